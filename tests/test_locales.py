"""One fallback order for every text kept per locale."""

from __future__ import annotations

from decidim_bridge.locales import localized


def test_the_wanted_locale_then_the_fallback_then_any_text():
    assert localized({"nl": "hek", "en": "fence"}, "en", "nl") == "fence"
    assert localized({"nl": "hek"}, "de", "nl") == "hek"
    assert localized({"*": "Lindeburg"}, "en", "nl") == "Lindeburg"
    assert localized({"nl": "hek", "en": ""}, "en-GB", "nl") == "hek"
    assert localized({"en": "fence"}, "en-GB") == "fence"


def test_machine_translations_are_never_picked_and_plain_values_pass():
    assert localized({"machine_translations": {"en": "x"}, "nl": ""}, "en") == ""
    assert localized({"machine_translations.en": "x", "nl": "hek"}, "en") == "hek"
    assert localized("plain", "en", "nl") == "plain"
    assert localized(None, "en") == ""
    assert localized(3, "en") == "3"
