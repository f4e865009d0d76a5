"""Voicemails, transcripts and guaranteed callbacks: jobs that keep the promises made to callers."""
