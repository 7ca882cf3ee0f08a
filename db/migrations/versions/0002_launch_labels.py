"""Labels of launches, and indexes for listing launches by status, user and label.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "launch_label",
        sa.Column(
            "pipeline_launch_id",
            Id,
            sa.ForeignKey("pipeline_launch.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(63), primary_key=True),
        sa.Column("value", sa.String(255), nullable=False),
    )
    op.create_index("ix_launch_label_key_value", "launch_label", ["key", "value"])
    op.drop_index("ix_pipeline_launch_status", table_name="pipeline_launch")
    op.create_index("ix_pipeline_launch_status_id", "pipeline_launch", ["status", "id"])
    op.create_index("ix_pipeline_launch_created_by_id", "pipeline_launch", ["created_by", "id"])


def downgrade() -> None:
    op.drop_index("ix_pipeline_launch_created_by_id", table_name="pipeline_launch")
    op.drop_index("ix_pipeline_launch_status_id", table_name="pipeline_launch")
    op.create_index("ix_pipeline_launch_status", "pipeline_launch", ["status"])
    op.drop_table("launch_label")
