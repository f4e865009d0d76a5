"""The menu language: YAML call flows, their schema and linter, rendering steps to TwiML. No I/O."""
