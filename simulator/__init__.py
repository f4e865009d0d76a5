"""A stand-in for Twilio that talks to the app only over HTTP, for development and tests.

How it is built, from the wire in:

- `webhooks`: requests to the app, signed as Twilio signs them; `twiml` (with `twiml_schema`
  and `twiml_checks`): documents held to what Twilio accepts.
- `leg`: one call leg's state (status, status callbacks, transcript, inbox); `signals`: the
  messages a leg's thread receives and the exceptions that unwind it.
- `interpreter`: runs a leg's TwiML, one handler per verb; `listening` (Gather, Record),
  `queueing` (Enqueue) and `dialing` (Dial) hold the handlers that wait.
- `script`: `Call`, a leg with the API tests and the dev phone drive it with.
- `switch`: the account's legs, queues, people, recordings (`recordings`) and messages.
- `rest` and `devphone`: Twilio's REST API and the dev phone page; `server` serves both.
"""
