"""Table definitions (SQLAlchemy Core), portable between SQLite and PostgreSQL.

`pipeline_launch` and `kubernetes_job` keep the original system's names and columns; the
columns after those are what the engine needs. `kubernetes_job` holds every step job, local
ones too: its `executor` column says which backend ran it. `launch_label` holds a launch's
labels (Kubernetes-sized keys and values), for listing launches by label. `study` and
`study_trial` hold hyperparameter studies and their trials (`wonderland.client.hpo`): a trial's
`launch_id` names a launch of the engine that ran it, which may be another database's (a
server's), so it is no foreign key.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# BIGSERIAL on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

pipeline_launch = sa.Table(
    "pipeline_launch",
    metadata,
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
    # newest (or oldest) first within a status: the pending queue, running launches, listings
    sa.Index("ix_pipeline_launch_status_id", "status", "id"),
    sa.Index("ix_pipeline_launch_created_by_id", "created_by", "id"),
    sa.Index("ix_pipeline_launch_created_by_status", "created_by", "status"),
    sa.Index(
        "ix_pipeline_launch_resume_key", "document_sha256", "job_order_sha256", "status"
    ),
)

kubernetes_job = sa.Table(
    "kubernetes_job",
    metadata,
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
    sa.UniqueConstraint("pipeline_launch_id", "job_key", name="uq_kubernetes_job_launch_key"),
    sa.Index("ix_kubernetes_job_launch_status", "pipeline_launch_id", "status"),
)

launch_label = sa.Table(
    "launch_label",
    metadata,
    sa.Column(
        "pipeline_launch_id",
        Id,
        sa.ForeignKey("pipeline_launch.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(63), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
    sa.Index("ix_launch_label_key_value", "key", "value"),
)

study = sa.Table(
    "study",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("settings", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("name", name="uq_study_name"),
)

study_trial = sa.Table(
    "study_trial",
    metadata,
    sa.Column("study_id", Id, sa.ForeignKey("study.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("point", sa.Text, nullable=False),
    sa.Column("launch_id", sa.BigInteger, nullable=True),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("metrics", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("started_at", sa.DateTime, nullable=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
)
