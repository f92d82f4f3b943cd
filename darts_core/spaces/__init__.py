"""Search spaces: op sets, edges and the strings that name architectures."""
