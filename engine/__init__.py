"""The workflow engine: scheduler, executors, the `wonderland` command."""
