"""Demo consultations for `seed-demo`: the Holistic Skin Session (45 minutes, £45, video
call) and a free 15-minute Product match call, with two Skin Mentors working Monday to
Friday 09:00-17:00, one of them Saturday mornings too. Adds only what is missing."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from shop.consultations.models import Mentor, Service, WeeklyHours
from shop.extensions import db

DEMO_SERVICES = [
    {
        "slug": "holistic-skin-session",
        "name": "Holistic Skin Session",
        "summary": "A full look at your skin, gut, diet and routine with a Skin Mentor.",
        "description": (
            "We talk through what your skin does and when, what you eat, how you sleep and "
            "what you use on it now.\n\nYou leave with a simple routine and a plan for the "
            "next eight weeks, in writing."
        ),
        "duration_minutes": 45,
        "buffer_minutes": 10,
        "price_pence": 4500,
        "format": "video",
        "position": 0,
    },
    {
        "slug": "product-match-call",
        "name": "Product match call",
        "summary": "Fifteen minutes to find the products that suit your skin.",
        "description": "Tell us about your skin and we suggest where to start.",
        "duration_minutes": 15,
        "buffer_minutes": 10,
        "price_pence": 0,
        "format": "video",
        "position": 1,
    },
]
DEMO_MENTORS = [
    ("Imogen Hart", "https://video.example/imogen-hart", True),
    ("Tomasz Nowak", "https://video.example/tomasz-nowak", False),
]


def seed_demo_consultations() -> dict[str, int]:
    created = {"consultation services": 0, "mentors": 0}
    slugs = set(db.session.scalars(select(Service.slug)))
    for values in DEMO_SERVICES:
        if values["slug"] not in slugs:
            db.session.add(Service(**values))
            created["consultation services"] += 1
    names = set(db.session.scalars(select(Mentor.name)))
    for name, call_url, saturdays in DEMO_MENTORS:
        if name in names:
            continue
        mentor = Mentor(name=name, call_url=call_url, bio="Skin Mentor at Flora & Barrier.")
        for weekday in range(5):
            mentor.hours.append(WeeklyHours(weekday=weekday, starts=time(9), ends=time(17)))
        if saturdays:
            mentor.hours.append(WeeklyHours(weekday=5, starts=time(9), ends=time(13)))
        db.session.add(mentor)
        created["mentors"] += 1
    db.session.flush()
    return created
