"""Client of the Wonderland service (gRPC) and hyperparameter optimization (planned)."""
