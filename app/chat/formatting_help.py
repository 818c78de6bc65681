"""How to format a message: a page, opened in place beside the message box."""
from app.chat.views import bp
from app.responses import render_page_or_fragment


@bp.get("/help/formatting")
def formatting_help():
    """The message dialect, each form beside what it looks like."""
    return render_page_or_fragment("pages/formatting_help.html", "partials/formatting_help.html")
