"""Verifiable credentials without a database: JSON-LD canonicalisation from bundled contexts only,
Ed25519 Multikeys and did:key, Data Integrity ``eddsa-rdfc-2022`` proofs, Bitstring Status Lists and the
Open Badges 3.0 JSON Schema.

Nothing in this package touches the network, the database or Django.
"""
