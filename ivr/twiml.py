"""TwiML responses: what the caller hears, sent as XML Twilio can always parse."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from flask import Response
from twilio.twiml import TwiML

# Characters XML 1.0 forbids anywhere in a document, even as character references. Stored text
# is refused at the edge, but a single one reaching a document would make Twilio refuse the
# whole call (error 12100), so none can leave here, whatever is stored.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml(document: TwiML) -> Response:
    """Serve a TwiML document (voice or messaging), cleaned of what XML cannot carry."""
    body = str(document)
    if _NOT_XML.search(body):  # rare: only stored text that slipped past the edge
        body = _DECLARATION + ElementTree.tostring(_cleaned(document), encoding="unicode")
    return Response(body, mimetype="text/xml")


def _cleaned(document: TwiML) -> ElementTree.Element:
    """The document's tree with every character XML forbids removed from text and attributes."""
    root = document.xml()
    for element in root.iter():
        if element.text:
            element.text = _NOT_XML.sub("", element.text)
        for name, value in element.attrib.items():
            element.attrib[name] = _NOT_XML.sub("", value)
    return root
