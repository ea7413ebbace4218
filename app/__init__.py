"""gongkai (公开): a case tracker for government information-disclosure applications."""
