"""`flask seed-demo` shows a newcomer a few approved comments from demo customers."""

from sqlalchemy import func, select

from shop.comments.models import Comment
from shop.extensions import db
from tests.helpers import page


def test_the_demo_articles_show_demo_comments_once(app, runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    html = page(client.get("/journal/what-is-the-gut-skin-axis"))
    authors = [tag.get_text() for tag in html.select(".comment__author")]
    assert authors == ["Hannah R.", "Tom B."]
    assert "@" not in " ".join(authors)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 3
