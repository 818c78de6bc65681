"""Command-line tasks: `flask --app run demo-data`."""
import random
from datetime import date, timedelta

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import ROLE_ADMIN, ROLE_MEMBER, ROLE_OWNER, Channel, Membership, Message, Server, User, utcnow
from app.services import accounts, attachments, instance, passwords, rerender, search
from app.services.errors import ValidationFailed

DEMO_PASSWORD = "charla-demo-2026"
DEMO_USERS = [
    ("ana", "Ana García", "Ana", "García"),
    ("bruno", "Bruno Díaz", "Bruno", "Díaz"),
    ("carla", "Carla Méndez", "Carla", "Méndez"),
    ("diego", "Diego Torres", "Diego", "Torres"),
]
DEMO_SERVERS = [
    ("Café Central", "Charla general, planes y memes ☕", ["general", "planes", "memes"]),
    ("Python Hispano", "Ayuda y noticias de Python en español", ["general", "ayuda", "flask"]),
]
LINES = [
    "¡Hola a todos! 👋", "¿Alguien se apunta a un café esta tarde?", "Yo me apunto",
    "He subido el borrador al repo, echadle un ojo cuando podáis.",
    "¿Qué tal el fin de semana?", "Genial, fuimos a la sierra 🏔️", "Eso suena muy bien",
    "¿Habéis probado htmx 4? Las respuestas 4xx se intercambian por defecto.",
    "Recordad: la reunión es el jueves a las 18:00.", "Perfecto, gracias por avisar.",
    "Una pregunta:\n¿cómo se pagina el historial sin OFFSET?",
    "Por clave: WHERE id < :antes ORDER BY id DESC LIMIT 50.", "jajaja", "👍",
]


def seed_demo(messages_per_channel: int = 120) -> None:
    """Create demo users, servers, channels and messages (one transaction)."""
    now = utcnow()
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    users = []
    for username, display, first, last in DEMO_USERS:
        user = User(username=username, username_key=username, email=f"{username}@example.com",
                    display_name=display, first_name=first, last_name=last,
                    birth_date=date(1995, 5, 17), password_hash=password_hash)
        db.session.add(user)
        users.append(user)
    db.session.flush()
    rng = random.Random(2026)
    for index, (name, description, channel_names) in enumerate(DEMO_SERVERS):
        owner = users[index]
        server = Server(name=name, description=description, owner_id=owner.id, member_count=len(users))
        db.session.add(server)
        db.session.flush()
        search.index_server(server)
        for user in users:
            role = ROLE_OWNER if user is owner else (ROLE_ADMIN if user is users[-1] else ROLE_MEMBER)
            db.session.add(Membership(user_id=user.id, server_id=server.id, role=role))
        for position, channel_name in enumerate(channel_names):
            channel = Channel(server_id=server.id, name=channel_name, position=position)
            db.session.add(channel)
            db.session.flush()
            start = now - timedelta(minutes=3 * messages_per_channel)
            rows = [{"channel_id": channel.id, "author_id": rng.choice(users).id,
                     "content": rng.choice(LINES), "created_at": start + timedelta(minutes=3 * i)}
                    for i in range(messages_per_channel)]
            db.session.execute(insert(Message), rows)
    rerender.rerender_messages(db.session.connection())
    db.session.commit()


def seed_demo_if_empty() -> None:
    """Demo data for a database without users (`python run.py --demo-data`); says what it did."""
    if db.session.scalar(select(func.count(User.id))):
        click.echo("Database already has users; demo data not added.")
        return
    seed_demo()
    names = ", ".join(u[0] for u in DEMO_USERS)
    click.echo(f"Demo users {names}; password {DEMO_PASSWORD!r}.")


def register_cli(app: Flask) -> None:
    messages_cli = AppGroup("messages", help="Maintenance of stored messages.")

    @messages_cli.command("rerender")
    def rerender_command():
        """Render the HTML of messages stored by an older renderer (after an upgrade)."""
        count = rerender.rerender_messages(db.session.connection())
        db.session.commit()
        click.echo(f"Re-rendered {count} messages.")

    app.cli.add_command(messages_cli)

    attachments_cli = AppGroup("attachments", help="Maintenance of stored files.")

    @attachments_cli.command("sweep")
    @click.option("--grace-minutes", default=60, show_default=True,
                  help="Leave files younger than this (a message may still be committing them).")
    def sweep_command(grace_minutes: int):
        """Remove stored files that no message took (an upload whose message never committed)."""
        count = attachments.sweep(timedelta(minutes=grace_minutes))
        click.echo(f"Removed {count} orphaned files.")

    app.cli.add_command(attachments_cli)

    admin_cli = AppGroup("admin", help="Instance administrators (the admin area at /admin).")

    @admin_cli.command("create")
    @click.argument("username")
    @click.option("--email", required=True)
    @click.option("--birth-date", prompt="Birth date (YYYY-MM-DD)")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    def admin_create(username: str, email: str, birth_date: str, password: str):
        """Create an account that is an instance admin (the first one, on a new instance); names and avatar are
        set later in its profile."""
        try:
            user = accounts.register_user({"username": username, "email": email, "display_name": username,
                                           "first_name": username, "last_name": username,
                                           "birth_date": birth_date, "password": password})
            instance.grant(user.username)
        except ValidationFailed as failed:
            raise click.ClickException(" ".join(failed.errors.values())) from None
        click.echo(f"{user.username} is an instance admin.")

    @admin_cli.command("grant")
    @click.argument("username")
    def admin_grant(username: str):
        """Make an existing account an instance admin."""
        try:
            user = instance.grant(username)
        except ValidationFailed as failed:
            raise click.ClickException(failed.errors["username"]) from None
        click.echo(f"{user.username} is an instance admin.")

    @admin_cli.command("revoke")
    @click.argument("username")
    def admin_revoke(username: str):
        """Make an instance admin an ordinary account again."""
        try:
            user = instance.grant(username, on=False)
        except ValidationFailed as failed:
            raise click.ClickException(failed.errors["username"]) from None
        click.echo(f"{user.username} is no longer an instance admin.")

    app.cli.add_command(admin_cli)

    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
    def demo_data(if_empty: bool):
        """Fill the database with demo users, servers and a few hundred messages."""
        if if_empty:
            seed_demo_if_empty()
            return
        if db.session.scalar(select(User.id).where(User.username_key == DEMO_USERS[0][0])):
            raise click.ClickException("Demo data is already there.")
        seed_demo()
        names = ", ".join(u[0] for u in DEMO_USERS)
        click.echo(f"Demo users {names}; password {DEMO_PASSWORD!r}.")
