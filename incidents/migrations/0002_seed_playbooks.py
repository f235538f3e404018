"""The starting set of playbooks: the crisis plan of the social media policy, in practice.

Written once here (a migration must not change with the code); admins edit them
afterwards on /playbooks/ or /api/v1/playbooks/. A playbook someone already created
under the same name is left alone.
"""

from django.db import migrations

H = 60  # minutes in an hour
D = 24 * H

CRISIS = "Crisis communication plan"
POLICY = "Social media policy"
SECURITY = "Information security policy"
PRIVACY = "Data protection policy"
SPONSORED = "Sponsored content policy"
EMPLOYEES = "Employee social media guidelines"

# (name, scenario, default severity, description, [(role, due minutes, title, how, policy)])
PLAYBOOKS = [
    (
        "Negative review storm or PR crisis",
        "review_storm",
        2,
        "Many customers or a loud voice turn against the brand at once: a product fault, a "
        "bad decision, a viral complaint. Goal: be seen listening within the hour, take "
        "individual cases private, and come back with facts.",
        [
            ("social_lead", 15, "Confirm the storm and capture the evidence",
             "Check the spike and the riskiest mentions; link them to this incident. Note "
             "which networks, the reach of the loudest accounts and the words people use. "
             "Screenshot the posts that matter before they are edited or deleted.",
             f"{CRISIS} §1 Detection"),
            ("lead", 30, "Stop scheduled posts and paid campaigns",
             "Nothing cheerful goes out during a storm. Freeze publishing if this is SEV1 or "
             "SEV2; otherwise ask the social team to pause the calendar by hand.",
             f"{CRISIS} §2 First hour"),
            ("communications", 45, "Draft the holding statement",
             "Short and human: we have seen it, we are looking into it, here is where we will "
             "update. No guesses about the cause, no admission of fault before legal has read "
             "it. Send it to legal from this page.",
             f"{CRISIS} §3 Holding statements"),
            ("legal", 60, "Clear the holding statement",
             "Read the exact text; approve it or ask for changes. Any later edit sends it "
             "back to you.",
             f"{CRISIS} §3 Holding statements"),
            ("communications", 75, "Acknowledge publicly",
             "Publish the approved statement where the storm is, and pin it. Reply to the "
             "most visible threads with the same words rather than improvising.",
             f"{CRISIS} §4 Speaking publicly"),
            ("customer_service", 90, "Take individual cases private",
             "Invite each affected customer to a direct message or the support form; open a "
             "ticket per person and answer there. Never ask for order numbers or personal "
             "data in public.",
             f"{POLICY} §5 Answering customers"),
            ("lead", 4 * H, "Find the root cause with the product owner",
             "Agree on what happened, who is affected and what the fix is. Write it in the "
             "timeline: it is the basis of the follow-up.",
             f"{CRISIS} §5 Facts before follow-up"),
            ("communications", 8 * H, "Publish the follow-up",
             "What happened, what we are doing, what customers should do, when we will speak "
             "again. Cleared by legal like the holding statement.",
             f"{CRISIS} §4 Speaking publicly"),
            ("social_lead", 2 * D, "Watch sentiment for 48 hours and report",
             "Compare volume and sentiment with the days before; note in the timeline when "
             "the storm is back to normal.",
             f"{CRISIS} §6 Recovery"),
        ],
    ),
    (
        "Account compromise",
        "account_compromise",
        1,
        "One of the brand's accounts is posting things nobody here wrote, or nobody can sign "
        "in any more. Goal: take the account back, make sure the attacker cannot return, "
        "and warn the people who may have been targeted through it.",
        [
            ("security", 15, "Lock the account",
             "Change the password from a clean device, sign out every session, remove apps "
             "and devices nobody recognises, and turn on two-factor if it was off.",
             f"{SECURITY} §4 Compromised accounts"),
            ("lead", 15, "Freeze publishing",
             "Stop every scheduled post on every network until the account is clean: the "
             "attacker may have scheduled posts too.",
             f"{CRISIS} §2 First hour"),
            ("security", 30, "Rotate credentials and review who has access",
             "Rotate the passwords and API tokens of the account and of any tool connected to "
             "it. Check the access grants: anyone who left, anyone who should not be there.",
             f"{SECURITY} §5 Credential rotation"),
            ("social_lead", 30, "Remove what the attacker posted, keep copies",
             "Screenshot and save every unauthorised post and direct message, then delete or "
             "hide them. The copies go in the timeline for the review and for the platform.",
             f"{POLICY} §8 Evidence"),
            ("lead", 45, "Open a recovery case with the platform",
             "Use the platform's hacked-account procedure and its business support if the "
             "brand has one; write the case number in the timeline.",
             f"{SECURITY} §4 Compromised accounts"),
            ("communications", 60, "Warn followers",
             "From the recovered account (or another official one): the account was briefly "
             "in someone else's hands, do not click links or answer messages sent in that "
             "time, we will never ask for passwords or payment.",
             f"{CRISIS} §4 Speaking publicly"),
            ("legal", 4 * H, "Assess notification duties",
             "If direct messages or personal data were exposed, decide whether the data "
             "protection authority and the people concerned must be told (72 hours under "
             "GDPR).",
             f"{PRIVACY} §7 Personal data breaches"),
            ("security", D, "Find how they got in",
             "Phishing, a reused password, a leaked token, a departed employee? Write the "
             "answer and the fix in the timeline.",
             f"{SECURITY} §6 After an incident"),
        ],
    ),
    (
        "Impersonation or fake account",
        "impersonation",
        2,
        "An account pretends to be the brand or one of its people: a lookalike handle, a "
        "copied logo, a fake giveaway or a fake support account asking for card details. "
        "Goal: protect the people it targets and get it taken down.",
        [
            ("social_lead", 15, "Capture the evidence",
             "Handle, display name, profile link, creation date, follower count, and "
             "screenshots of its posts and replies. Link its mentions to this incident. "
             "Platforms ask for exactly this.",
             f"{POLICY} §8 Evidence"),
            ("social_lead", 30, "Report the impersonator to the platform",
             "Use the platform's impersonation form as the brand (from the official account "
             "where possible), cite the official account and the trademark, and write the "
             "report number in the timeline.",
             f"{POLICY} §9 Impersonation"),
            ("communications", 45, "Warn followers from the official account",
             "Name the official accounts, say we never run giveaways that ask for payment or "
             "card details, and how to report the fake. Keep it calm and short.",
             f"{CRISIS} §4 Speaking publicly"),
            ("customer_service", 60, "Help the people who engaged with the fake",
             "Reply to those who answered or shared it: do not click, there is no prize, "
             "report the account. Move anyone who paid or gave data to a private channel and "
             "open a ticket.",
             f"{POLICY} §5 Answering customers"),
            ("security", 60, "Go after the phishing site",
             "If the fake links to a site, report it to the host, the registrar and the "
             "browsers' safe-browsing services, and block the domain in the company mail "
             "filters.",
             f"{SECURITY} §7 Phishing"),
            ("legal", 4 * H, "Escalate with a trademark complaint",
             "If the platform has not acted, file a trademark or intellectual property "
             "complaint, or send a formal notice to the host.",
             f"{POLICY} §9 Impersonation"),
            ("lead", D, "Confirm the takedown and watch for the next one",
             "Check the account and the site are gone, and add the impostor's handles to the "
             "watchlist: lookalikes come back under a new name.",
             f"{CRISIS} §6 Recovery"),
        ],
    ),
    (
        "Compliance breach",
        "compliance_breach",
        3,
        "Something the brand published, or paid someone to publish, breaks the rules: an "
        "undisclosed sponsored post, a health or price claim nobody cleared, a contest "
        "without terms. Goal: correct fast and keep a record.",
        [
            ("social_lead", 30, "Find every affected post",
             "Who published what, where, and since when; include influencers' posts of the "
             "same campaign.",
             f"{SPONSORED} §2 Disclosure"),
            ("legal", 2 * H, "Assess the breach",
             "Which rule is broken, how serious it is, and what the correction must be: add "
             "the disclosure, edit the claim, or take the post down.",
             f"{SPONSORED} §4 Legal review"),
            ("social_lead", 4 * H, "Correct or remove the posts",
             "Apply legal's correction to each post (for partners, ask them and check they "
             "did). Keep before and after screenshots.",
             f"{SPONSORED} §2 Disclosure"),
            ("communications", 4 * H, "Brief the partners",
             "Tell the influencers or agencies concerned what was wrong and what the rule is; "
             "pause the campaign until it is fixed.",
             f"{SPONSORED} §5 Working with partners"),
            ("legal", 2 * D, "Record it and decide on notification",
             "Write the breach in the compliance register and decide whether a regulator or "
             "platform must be told.",
             f"{SPONSORED} §6 Records"),
        ],
    ),
    (
        "Legal threat",
        "legal_threat",
        2,
        "Someone threatens to sue, a lawyer writes publicly, or a post accuses the brand of "
        "something unlawful. Goal: say nothing that can be used against the brand, keep "
        "every record, and let legal decide.",
        [
            ("social_lead", 15, "Do not reply in public; keep everything",
             "No public answer, no deletion. Screenshot the post and its thread and link it to "
             "this incident.",
             f"{POLICY} §7 Legal matters"),
            ("legal", H, "Assess the threat",
             "Who is it, is it credible, what is claimed, which jurisdiction, any deadline.",
             f"{POLICY} §7 Legal matters"),
            ("legal", 2 * H, "Place a litigation hold",
             "Tell the people and teams involved to keep every related message, post, ticket "
             "and file; nothing is deleted until legal says so.",
             f"{POLICY} §7 Legal matters"),
            ("customer_service", 4 * H, "Take it private with cleared wording",
             "If legal agrees, one private message with the exact words legal approved: we "
             "have received your message and our legal team will answer.",
             f"{POLICY} §5 Answering customers"),
            ("communications", 4 * H, "Prepare a holding statement for the press",
             "In case journalists ask; cleared by legal before anyone uses it.",
             f"{CRISIS} §3 Holding statements"),
            ("lead", D, "Decide the next step with legal",
             "Settle, answer formally, or let it go. Write the decision and why in the "
             "timeline.",
             f"{CRISIS} §5 Facts before follow-up"),
        ],
    ),
    (
        "Data leak",
        "data_leak",
        1,
        "Personal or confidential data is exposed: customer data posted online, a screenshot "
        "with private information, a leaked internal document. Goal: stop the spread, meet "
        "the legal deadlines, tell the people affected honestly.",
        [
            ("security", 30, "Contain the leak",
             "Find the source, revoke exposed passwords, tokens and shared links, and ask the "
             "platforms to remove posts carrying personal data (their privacy report forms "
             "act faster than general ones).",
             f"{SECURITY} §8 Data leaks"),
            ("lead", 30, "Freeze publishing",
             "No marketing while customers may be at risk.",
             f"{CRISIS} §2 First hour"),
            ("legal", H, "Start the 72-hour clock",
             "Note when the brand became aware. Assess the risk to the people concerned: it "
             "decides whether the authority and the people must be told.",
             f"{PRIVACY} §7 Personal data breaches"),
            ("communications", 2 * H, "Draft the holding statement",
             "What happened, what we are doing, what people should do now (change a "
             "password, watch for phishing). Cleared by legal.",
             f"{CRISIS} §3 Holding statements"),
            ("customer_service", 4 * H, "Prepare answers for support",
             "An FAQ and reply templates so every agent says the same thing; a route to "
             "security for people who report misuse.",
             f"{POLICY} §5 Answering customers"),
            ("security", D, "Write the forensic summary",
             "What was exposed, for how long, how many people, how it happened.",
             f"{SECURITY} §6 After an incident"),
            ("legal", 3 * D, "Notify the authority and the people concerned",
             "Within 72 hours of awareness where required; keep a copy of the notification in "
             "the timeline.",
             f"{PRIVACY} §7 Personal data breaches"),
        ],
    ),
    (
        "Executive or employee post gone wrong",
        "employee_post",
        3,
        "A post by an executive or an employee embarrasses the brand: an offensive joke, "
        "confidential information, a political rant in the brand's name, a reply that went "
        "viral for the wrong reasons. Goal: limit the damage and treat the person fairly.",
        [
            ("social_lead", 15, "Capture the post and its reach",
             "Screenshot it with its reactions and shares, before it is deleted. Link the "
             "mentions about it.",
             f"{POLICY} §8 Evidence"),
            ("lead", 30, "Talk to the author",
             "Ask them to stop replying. Decide together whether to delete: deleting quietly "
             "often reads as a cover-up; an honest correction rarely does.",
             f"{EMPLOYEES} §3 Speaking about the company"),
            ("legal", H, "Check what the post exposes",
             "Confidential or market-sensitive information, discrimination, defamation, "
             "breach of the guidelines.",
             f"{EMPLOYEES} §5 Confidential information"),
            ("communications", 90, "Choose the answer",
             "An apology from the author, a statement from the brand, or silence if reach is "
             "small. Any statement is cleared by legal.",
             f"{CRISIS} §4 Speaking publicly"),
            ("customer_service", 2 * H, "Prepare replies for people who tag the brand",
             "One agreed sentence and a link to the statement if there is one.",
             f"{POLICY} §5 Answering customers"),
            ("lead", 2 * D, "Follow up with HR and the author's manager",
             "Apply the guidelines fairly; offer training on the social media policy where "
             "it helps.",
             f"{EMPLOYEES} §7 When things go wrong"),
        ],
    ),
]  # fmt: skip


def seed(apps, schema_editor):
    Playbook = apps.get_model("incidents", "Playbook")
    PlaybookStep = apps.get_model("incidents", "PlaybookStep")
    for name, scenario, severity, description, steps in PLAYBOOKS:
        if Playbook.objects.filter(name__iexact=name).exists():
            continue
        playbook = Playbook.objects.create(
            name=name, scenario=scenario, default_severity=severity, description=description
        )
        PlaybookStep.objects.bulk_create(
            PlaybookStep(
                playbook=playbook,
                position=n,
                role=role,
                due_minutes=due,
                title=title,
                instructions=how,
                policy_reference=policy,
            )
            for n, (role, due, title, how, policy) in enumerate(steps, start=1)
        )


def unseed(apps, schema_editor):
    apps.get_model("incidents", "Playbook").objects.filter(
        name__in=[p[0] for p in PLAYBOOKS], incidents__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
