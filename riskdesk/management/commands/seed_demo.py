from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PEOPLE, demo_email, seed_people_and_teams
from advocacy.demo import seed_advocacy
from alerting.demo import seed_alerting, seed_spike_history
from compliance.demo import seed_compliance
from incidents.demo import seed_incidents
from monitoring.demo import seed_monitoring
from offboarding.demo import seed_offboarding
from policies.demo import seed_policies
from publishing.demo import seed_publishing
from respond.demo import seed_respond
from workspace.demo import seed_workspace

# In order: each part may use what the ones before it created.
PARTS = [
    ("people and teams", seed_people_and_teams),
    ("settings", seed_workspace),
    ("monitoring", seed_monitoring),
    ("connected accounts", seed_respond),
    ("rules and channels", seed_alerting),
    # After the rules, which tag and route it; the demo stream's ordinary day before now.
    ("stream history", seed_spike_history),
    ("policies and training", seed_policies),
    ("sponsored posts", seed_compliance),
    ("employee advocacy", seed_advocacy),
    ("access inventory", seed_offboarding),
    ("incidents", seed_incidents),
    ("publishing calendar", seed_publishing),
]


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent: running it twice changes nothing)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates people with a known password: not in production")
        for label, seed in PARTS:
            created = seed()
            counts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in created.items())
            self.stdout.write(f"Demo {label} ready ({counts} created).")
        if options["verbosity"] >= 1:
            self.stdout.write("Demo sign-ins, all with the password in RISKDESK_DEMO_PASSWORD")
            self.stdout.write("(riskdesk-demo unless you set it):")
            for login, _name, role, _teams, _lead in DEMO_PEOPLE:
                self.stdout.write(f"  {role:<8} {demo_email(login)}")
