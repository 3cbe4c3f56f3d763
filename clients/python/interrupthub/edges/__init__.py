"""Playback edges: adapters that sit where the audio leaves for the user (a phone call, a browser) and close
the gap between "the hub interrupted the session" and "the user hears silence".

- :mod:`interrupthub.edges.twilio`: a Twilio bidirectional Media Stream.
"""
