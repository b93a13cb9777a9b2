"""The checks diagnosis runs, one module per area; each returns findings with their weight on the verdict."""
