"""Measured configuration, proved: TPM quotes over the PCR the generations are measured into, and their
verification against the generations (kvm-wizard attest quote / verify)."""
