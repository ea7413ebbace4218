"""The clerks' web client: server-rendered pages over the same services as the API."""
