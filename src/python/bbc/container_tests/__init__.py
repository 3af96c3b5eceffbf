"""Container tests in `pants test`: checks, contract test files, JUnit reports."""
