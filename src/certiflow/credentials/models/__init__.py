from certiflow.credentials.models.issuance import IssuanceBatch, IssuedCredential
from certiflow.credentials.models.keys import IssuerKey, StatusList

__all__ = ["IssuanceBatch", "IssuedCredential", "IssuerKey", "StatusList"]
