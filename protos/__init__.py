"""The gRPC API definition and its generated modules (planned)."""
