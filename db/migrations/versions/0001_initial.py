"""The original system's pipeline_launch and kubernetes_job, with what the engine needs.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pipeline_launch",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("protobuf", sa.LargeBinary, nullable=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("workflow_uri", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("job_order", sa.Text, nullable=False),
        sa.Column("job_order_sha256", sa.String(64), nullable=False),
        sa.Column("work_dir", sa.Text, nullable=False),
        sa.Column("outputs", sa.Text, nullable=True),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("owner", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_pipeline_launch_status", "pipeline_launch", ["status"])
    op.create_index(
        "ix_pipeline_launch_created_by_status", "pipeline_launch", ["created_by", "status"]
    )
    op.create_index(
        "ix_pipeline_launch_resume_key",
        "pipeline_launch",
        ["document_sha256", "job_order_sha256", "status"],
    )
    op.create_table(
        "kubernetes_job",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column(
            "pipeline_launch_id",
            Id,
            sa.ForeignKey("pipeline_launch.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("pipeline_node_name", sa.Text, nullable=False),
        sa.Column("job_key", sa.Text, nullable=False),
        sa.Column("executor", sa.String(40), nullable=False),
        sa.Column("job_name", sa.String(63), nullable=True),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
        sa.Column("inputs", sa.Text, nullable=True),
        sa.Column("outputs", sa.Text, nullable=True),
        sa.Column("exit_code", sa.Integer, nullable=True),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint(
            "pipeline_launch_id", "job_key", name="uq_kubernetes_job_launch_key"
        ),
    )
    op.create_index(
        "ix_kubernetes_job_launch_status", "kubernetes_job", ["pipeline_launch_id", "status"]
    )


def downgrade() -> None:
    op.drop_table("kubernetes_job")
    op.drop_table("pipeline_launch")
