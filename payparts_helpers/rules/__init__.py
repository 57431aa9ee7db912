"""The vendor's contract and the pure rules: no HTTP, no server, no widgets.

The OpenAPI document and its validator, money in minor units, the ``st_…``
token codec, order arithmetic, the contract's examples and validation cases,
the error hierarchy and redaction. The sandbox and the client both stand on
these modules, so the rule the sandbox applies is the rule the client checks.
"""
