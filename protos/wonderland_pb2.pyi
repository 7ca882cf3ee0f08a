import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LaunchStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LAUNCH_STATUS_UNSPECIFIED: _ClassVar[LaunchStatus]
    LAUNCH_STATUS_PENDING: _ClassVar[LaunchStatus]
    LAUNCH_STATUS_RUNNING: _ClassVar[LaunchStatus]
    LAUNCH_STATUS_SUCCEEDED: _ClassVar[LaunchStatus]
    LAUNCH_STATUS_FAILED: _ClassVar[LaunchStatus]
    LAUNCH_STATUS_CANCELLED: _ClassVar[LaunchStatus]

class StepStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STEP_STATUS_UNSPECIFIED: _ClassVar[StepStatus]
    STEP_STATUS_PENDING: _ClassVar[StepStatus]
    STEP_STATUS_RUNNING: _ClassVar[StepStatus]
    STEP_STATUS_SUCCEEDED: _ClassVar[StepStatus]
    STEP_STATUS_FAILED: _ClassVar[StepStatus]
    STEP_STATUS_CANCELLED: _ClassVar[StepStatus]
LAUNCH_STATUS_UNSPECIFIED: LaunchStatus
LAUNCH_STATUS_PENDING: LaunchStatus
LAUNCH_STATUS_RUNNING: LaunchStatus
LAUNCH_STATUS_SUCCEEDED: LaunchStatus
LAUNCH_STATUS_FAILED: LaunchStatus
LAUNCH_STATUS_CANCELLED: LaunchStatus
STEP_STATUS_UNSPECIFIED: StepStatus
STEP_STATUS_PENDING: StepStatus
STEP_STATUS_RUNNING: StepStatus
STEP_STATUS_SUCCEEDED: StepStatus
STEP_STATUS_FAILED: StepStatus
STEP_STATUS_CANCELLED: StepStatus

class ExecutorOptions(_message.Message):
    __slots__ = ("kind", "parallel", "namespace", "default_image")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_IMAGE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    parallel: int
    namespace: str
    default_image: str
    def __init__(self, kind: _Optional[str] = ..., parallel: _Optional[int] = ..., namespace: _Optional[str] = ..., default_image: _Optional[str] = ...) -> None: ...

class Pipeline(_message.Message):
    __slots__ = ("name", "cwl_document", "job_order", "labels", "executor", "restart_attempts")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    CWL_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    JOB_ORDER_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_FIELD_NUMBER: _ClassVar[int]
    RESTART_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    cwl_document: str
    job_order: str
    labels: _containers.ScalarMap[str, str]
    executor: ExecutorOptions
    restart_attempts: int
    def __init__(self, name: _Optional[str] = ..., cwl_document: _Optional[str] = ..., job_order: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., executor: _Optional[_Union[ExecutorOptions, _Mapping]] = ..., restart_attempts: _Optional[int] = ...) -> None: ...

class Step(_message.Message):
    __slots__ = ("name", "status", "message", "kubernetes_job_name", "exit_code", "executor", "attempt", "created_at", "started_at", "finished_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    KUBERNETES_JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: StepStatus
    message: str
    kubernetes_job_name: str
    exit_code: int
    executor: str
    attempt: int
    created_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., status: _Optional[_Union[StepStatus, str]] = ..., message: _Optional[str] = ..., kubernetes_job_name: _Optional[str] = ..., exit_code: _Optional[int] = ..., executor: _Optional[str] = ..., attempt: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Launch(_message.Message):
    __slots__ = ("id", "status", "name", "created_by", "labels", "message", "created_at", "updated_at", "finished_at", "steps", "outputs")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    id: int
    status: LaunchStatus
    name: str
    created_by: str
    labels: _containers.ScalarMap[str, str]
    message: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    steps: _containers.RepeatedCompositeFieldContainer[Step]
    outputs: str
    def __init__(self, id: _Optional[int] = ..., status: _Optional[_Union[LaunchStatus, str]] = ..., name: _Optional[str] = ..., created_by: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., message: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ..., outputs: _Optional[str] = ...) -> None: ...

class SubmitPipelineRequest(_message.Message):
    __slots__ = ("pipeline",)
    PIPELINE_FIELD_NUMBER: _ClassVar[int]
    pipeline: Pipeline
    def __init__(self, pipeline: _Optional[_Union[Pipeline, _Mapping]] = ...) -> None: ...

class SubmitPipelineResponse(_message.Message):
    __slots__ = ("launch",)
    LAUNCH_FIELD_NUMBER: _ClassVar[int]
    launch: Launch
    def __init__(self, launch: _Optional[_Union[Launch, _Mapping]] = ...) -> None: ...

class GetLaunchRequest(_message.Message):
    __slots__ = ("launch_id",)
    LAUNCH_ID_FIELD_NUMBER: _ClassVar[int]
    launch_id: int
    def __init__(self, launch_id: _Optional[int] = ...) -> None: ...

class GetLaunchResponse(_message.Message):
    __slots__ = ("launch",)
    LAUNCH_FIELD_NUMBER: _ClassVar[int]
    launch: Launch
    def __init__(self, launch: _Optional[_Union[Launch, _Mapping]] = ...) -> None: ...

class ListLaunchesRequest(_message.Message):
    __slots__ = ("statuses", "labels", "page_size", "page_token")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[LaunchStatus]
    labels: _containers.ScalarMap[str, str]
    page_size: int
    page_token: str
    def __init__(self, statuses: _Optional[_Iterable[_Union[LaunchStatus, str]]] = ..., labels: _Optional[_Mapping[str, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLaunchesResponse(_message.Message):
    __slots__ = ("launches", "next_page_token")
    LAUNCHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    launches: _containers.RepeatedCompositeFieldContainer[Launch]
    next_page_token: str
    def __init__(self, launches: _Optional[_Iterable[_Union[Launch, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchLaunchRequest(_message.Message):
    __slots__ = ("launch_id",)
    LAUNCH_ID_FIELD_NUMBER: _ClassVar[int]
    launch_id: int
    def __init__(self, launch_id: _Optional[int] = ...) -> None: ...

class WatchLaunchResponse(_message.Message):
    __slots__ = ("launch", "changed_steps")
    LAUNCH_FIELD_NUMBER: _ClassVar[int]
    CHANGED_STEPS_FIELD_NUMBER: _ClassVar[int]
    launch: Launch
    changed_steps: _containers.RepeatedCompositeFieldContainer[Step]
    def __init__(self, launch: _Optional[_Union[Launch, _Mapping]] = ..., changed_steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ...) -> None: ...

class CancelLaunchRequest(_message.Message):
    __slots__ = ("launch_id",)
    LAUNCH_ID_FIELD_NUMBER: _ClassVar[int]
    launch_id: int
    def __init__(self, launch_id: _Optional[int] = ...) -> None: ...

class CancelLaunchResponse(_message.Message):
    __slots__ = ("launch",)
    LAUNCH_FIELD_NUMBER: _ClassVar[int]
    launch: Launch
    def __init__(self, launch: _Optional[_Union[Launch, _Mapping]] = ...) -> None: ...

class GetStepLogsRequest(_message.Message):
    __slots__ = ("launch_id", "step_name", "follow")
    LAUNCH_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_NAME_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    launch_id: int
    step_name: str
    follow: bool
    def __init__(self, launch_id: _Optional[int] = ..., step_name: _Optional[str] = ..., follow: _Optional[bool] = ...) -> None: ...

class GetStepLogsResponse(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...

class UploadFileRequest(_message.Message):
    __slots__ = ("header", "chunk")
    class Header(_message.Message):
        __slots__ = ("path", "upload_id")
        PATH_FIELD_NUMBER: _ClassVar[int]
        UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
        path: str
        upload_id: str
        def __init__(self, path: _Optional[str] = ..., upload_id: _Optional[str] = ...) -> None: ...
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: UploadFileRequest.Header
    chunk: bytes
    def __init__(self, header: _Optional[_Union[UploadFileRequest.Header, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadFileResponse(_message.Message):
    __slots__ = ("upload_id", "location", "upload_location", "size", "sha256")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_LOCATION_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    location: str
    upload_location: str
    size: int
    sha256: str
    def __init__(self, upload_id: _Optional[str] = ..., location: _Optional[str] = ..., upload_location: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class DownloadOutputRequest(_message.Message):
    __slots__ = ("launch_id", "path")
    LAUNCH_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    launch_id: int
    path: str
    def __init__(self, launch_id: _Optional[int] = ..., path: _Optional[str] = ...) -> None: ...

class DownloadOutputResponse(_message.Message):
    __slots__ = ("chunk",)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    def __init__(self, chunk: _Optional[bytes] = ...) -> None: ...
