"""The text of the demo organisation's policies (Lumora, the connected coffee machine brand).

Written for riskdesk's demo: what a real social media team would want on file.
"""

SOCIAL_MEDIA_POLICY_R1 = """\
# Lumora social media policy

This policy says who may speak for Lumora on social networks, how we answer
people, and what we do when something goes wrong. It applies to everyone who
works for Lumora, employees and contractors alike, and to the agencies that
publish for us.

## 1. Who speaks for Lumora

- Only the social media team and the people it names publish on the brand
  accounts (@lumora, @lumora_support and their equivalents on each network).
- PR and communications speak for Lumora to journalists. Anyone contacted by a
  journalist forwards the request to pr@lumora.example and does not answer.
- Customer service answers customers on @lumora_support during opening hours.

## 2. How we answer

- Be helpful, honest and brief. Sign with your first name on support accounts.
- Answer a complaint in public once, to show we heard it, then move the
  conversation to a private message to solve it.
- Never share a customer's order number, address or e-mail in public.
- Never argue, mock or answer a provocation with another one.
- Aim to answer within 4 working hours on weekdays.

## 3. What we never publish

- Information about unreleased products, prices or partnerships.
- Anything about a colleague, a customer or a supplier without their consent.
- Health or safety claims about our machines that legal has not approved.
- Sponsored content without the disclosure the law requires (#ad, "paid
  partnership" label). Legal approves every sponsored post before it goes out.

## 4. When something goes wrong

- A post that names a legal threat, a safety issue or an account compromise is
  escalated at once to the incident lead on duty through riskdesk.
- If a brand account posts something it should not have, delete it only after
  taking a screenshot, then tell the social media lead.
- During an incident, scheduled posts are paused until the incident lead lifts
  the freeze.

## 5. Accounts and passwords

- Brand accounts are reached only through the team's password manager, never
  with a personal login.
- Two-factor authentication is on for every brand account.
- When someone leaves, the account security and handover procedure applies.

## 6. Breaches of this policy

A breach is handled with the person's manager and HR. Honest mistakes reported
quickly are treated as a chance to improve our process, not as faults.
"""

SOCIAL_MEDIA_POLICY_R2 = """\
# Lumora social media policy

This policy says who may speak for Lumora on social networks, how we answer
people, and what we do when something goes wrong. It applies to everyone who
works for Lumora, employees and contractors alike, and to the agencies and
creators that publish for us.

## 1. Who speaks for Lumora

- Only the social media team and the people it names publish on the brand
  accounts (@lumora, @lumora_support and their equivalents on each network).
- PR and communications speak for Lumora to journalists. Anyone contacted by a
  journalist forwards the request to pr@lumora.example and does not answer.
- Customer service answers customers on @lumora_support every day from 8:00 to
  20:00.

## 2. How we answer

- Be helpful, honest and brief. Sign with your first name on support accounts.
- Answer a complaint in public once, to show we heard it, then move the
  conversation to a private message to solve it.
- Never share a customer's order number, address or e-mail in public.
- Never argue, mock or answer a provocation with another one.
- Aim to answer within 2 working hours, and within 30 minutes for anything
  riskdesk marks as high risk.

## 3. What we never publish

- Information about unreleased products, prices or partnerships.
- Anything about a colleague, a customer or a supplier without their consent.
- Health or safety claims about our machines that legal has not approved.
- Sponsored content without the disclosure the law requires (#ad, "paid
  partnership" label). Legal approves every sponsored post before it goes out.
- Images, video or text made with generative AI, unless it is labelled as such
  and the social media lead has approved it.

## 4. When something goes wrong

- A post that names a legal threat, a safety issue or an account compromise is
  escalated at once to the incident lead on duty through riskdesk.
- If a brand account posts something it should not have, delete it only after
  taking a screenshot, then tell the social media lead.
- During an incident, scheduled posts are paused until the incident lead lifts
  the freeze, and every public answer is checked by a second person.

## 5. Fake accounts

- Accounts that imitate Lumora (a look-alike handle, our logo, "official" in the
  name) are reported to the network the same day by the social media team.
- Do not answer or quote an impostor: point customers to our verified accounts.
- An impostor that offers free machines, refunds or prizes is treated as an
  incident, because it targets our customers' money and data.

## 6. Accounts and passwords

- Brand accounts are reached only through the team's password manager, never
  with a personal login.
- Two-factor authentication is on for every brand account, with an
  authenticator app rather than text messages where the network allows it.
- When someone leaves, the account security and handover procedure applies.

## 7. Breaches of this policy

A breach is handled with the person's manager and HR. Honest mistakes reported
quickly are treated as a chance to improve our process, not as faults.
"""

SOCIAL_MEDIA_SUMMARY_R1 = "First version of the policy."
SOCIAL_MEDIA_SUMMARY_R2 = (
    "Support hours now 8:00 to 20:00 every day; response target cut to 2 hours "
    "(30 minutes for high-risk mentions); generative AI content must be labelled and "
    "approved; new section on fake accounts; a second person checks public answers "
    "during an incident; authenticator apps preferred for two-factor."
)

EMPLOYEE_GUIDELINES = """\
# Guidelines for Lumora people on their own accounts

You are welcome to talk about your work at Lumora on your personal accounts.
These guidelines help you do it without putting yourself, a colleague or the
company in a difficult spot.

## Do

- Share what Lumora publishes publicly: launches, recipes, job offers.
- Say that you work at Lumora when you talk about our products, so nobody
  mistakes your enthusiasm for an independent review.
- Make it clear that your opinions are your own ("views my own" in your
  profile is enough).
- Tell the social media team about a complaint or a rumour you spot; they will
  take it from there.

## Don't

- Don't answer a customer complaint yourself, even to help: point the person to
  @lumora_support.
- Don't share anything marked internal: roadmaps, sales figures, photos of the
  lab or the office screens.
- Don't post about colleagues without asking them first.
- Don't accept gifts or payment to talk about Lumora or a competitor.

## If you are harassed

If a post about Lumora brings abuse to your personal account, do not answer.
Take screenshots and tell HR or the social media lead: we will help you report
it and, if needed, handle it as an incident.

## Questions

Ask the social media team on the #social-help channel, or HR.
"""

CRISIS_PLAN = """\
# Crisis communication plan

A social media crisis is a situation where what people say about Lumora
online can hurt our customers, our people or our reputation, and where the
usual answers are not enough. This plan says who does what in the first hours.

## Signs that it is a crisis

- A safety issue with a machine (burns, electrical fault, contamination).
- A compromised brand account, or an impostor targeting our customers.
- A complaint storm: riskdesk raises a spike on negative mentions.
- A journalist or a large account asks about a rumour we cannot deny at once.

## Roles

| Role | Who | Does |
| --- | --- | --- |
| Incident lead | Manager on duty | Decides, owns the timeline, calls the end |
| Communications | PR lead | Writes holding statements and answers press |
| Social | Social media lead | Posts, pauses scheduled posts, watches mentions |
| Legal | Legal counsel | Checks every public statement on a safety or legal issue |
| Support | Customer service lead | Answers customers in private, tracks cases |

## The first hour

1. Declare the incident in riskdesk and name the incident lead.
2. Pause every scheduled post on every network.
3. Publish a short holding statement within 60 minutes: we know, we are looking
   into it, here is where updates will be.
4. Route every related mention to one queue so nobody answers twice.
5. Agree the next update time and keep it, even if there is little news.

## After the first hour

- One voice: only the communications role publishes statements.
- Update at the times announced, on the same channels.
- Keep a timeline of decisions in riskdesk as they happen.

## Closing

The incident lead closes the incident when mentions are back to their usual
level. Within a week, the team writes a short review: what happened, what
worked, what we change in this plan.
"""

ACCOUNT_SECURITY = """\
# Account security and handover procedure

Our brand accounts are how thousands of customers reach Lumora. Losing one to an
attacker, or to a colleague who has left, is a crisis. This procedure keeps
them in our hands.

## Access

- Every brand account is listed in riskdesk with the team that owns it.
- Access goes through the team's password manager, with one named entry per
  person who needs it. Nobody keeps a brand password anywhere else.
- Two-factor authentication is on for every account; the recovery codes are in
  the password manager's security vault.
- Recovery e-mails and phone numbers belong to Lumora, never to a person.

## Quarterly check

Every quarter, the security team checks for each account who has access, that
two-factor is on, and that the recovery contacts are still ours.

## When someone leaves

1. HR opens an offboarding case in riskdesk as soon as the departure date is
   known.
2. On the last day, security removes the person from the password manager and
   from every network's list of admins, and revokes their sessions.
3. Passwords the person could see are rotated within 24 hours.
4. Scheduled posts, streams and rules the person owned are handed to a named
   colleague.
5. The case is closed only when every step is done; riskdesk shows what is
   left.

## If an account is compromised

Declare an incident, follow the network's recovery process with the recovery
codes, rotate every password the attacker could have seen, and check the
posts and messages sent while the account was out of our hands.
"""
