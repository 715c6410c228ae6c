"""Plain-text e-mails are not HTML-escaped: French names keep their apostrophes."""

from revoyure.organisations import services


def test_invitation_email_keeps_apostrophes_and_ampersands(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    personas.org.name = "Mairie d'Aubagne & Co"
    personas.org.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_member(personas.org, personas.admin, "new@example.org", ["employee"])
    body = smtp_server.messages[0].get_content()
    assert "Mairie d'Aubagne & Co" in body
    assert "&#x27;" not in body
    assert "&amp;" not in body
