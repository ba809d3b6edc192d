"""Registers each feature's command-line group with `flask`."""
from flask import Flask


def init_app(app: Flask) -> None:
    from smartsociety.accounts.commands import users_cli
    from smartsociety.demo import demo_cli
    from smartsociety.devmail.commands import devmail_cli
    from smartsociety.events.commands import events_cli
    from smartsociety.notify.commands import notify_cli
    from smartsociety.search.commands import search_cli
    from smartsociety.sensors.commands import sensors_cli
    from smartsociety.viewcounts.commands import views_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(views_cli)
    app.cli.add_command(events_cli)
    app.cli.add_command(sensors_cli)
    app.cli.add_command(devmail_cli)
    from smartsociety.opendata.commands import group as opendata_cli
    from smartsociety.privacy.commands import group as privacy_cli

    app.cli.add_command(opendata_cli)
    app.cli.add_command(privacy_cli)
    from smartsociety.jobs.commands import jobs_cli

    app.cli.add_command(jobs_cli)
