"""Tests for backend.mining (a package so its module names cannot clash with other test dirs)."""
