"""A stand-in for Twilio that talks to the app only over HTTP, for development and tests."""
