from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PEOPLE, demo_email, seed_people_and_teams
from monitoring.demo import seed_monitoring


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent: running it twice changes nothing)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates people with a known password: not in production")
        created = seed_people_and_teams() | seed_monitoring()
        self.stdout.write(
            f"Demo people, teams and streams ready ({created['people']} people, "
            f"{created['teams']} teams and {created['streams']} streams created)."
        )
        if options["verbosity"] >= 1:
            self.stdout.write("Demo sign-ins, all with the password in RISKDESK_DEMO_PASSWORD")
            self.stdout.write("(riskdesk-demo unless you set it):")
            for login, _name, role, _teams, _lead in DEMO_PEOPLE:
                self.stdout.write(f"  {role:<8} {demo_email(login)}")
