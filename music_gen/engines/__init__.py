"""Generation engines: the Engine contract, the model registry and the backends."""
