"""The decision service: departments and the council decide, fairly and explainably."""
