"""The scripted day the demo network replays for Lumora (monitoring.demo_network).

Data, kept apart from the server so each reads on its own.
"""

import re
from typing import NamedTuple

# --- The scripted day ------------------------------------------------------------------

# acct: (display name, followers, website verified on the profile). Without a domain the
# account lives on the demo instance. The lookalikes verified their own phishing domain.
ACCOUNTS = {
    "lumora": ("Lumora", 48200, "lumora.example"),
    "lumora_support": ("Lumora Support", 9100, "lumora.example"),
    "lumora_officiaI": ("Lumora Official ✅", 312, "lumora-brew-gift.example"),
    "1umora_support": ("Lumora Support Team", 87, None),
    "marie@piaille.example": ("Marie 🌻", 1240, None),
    "tomk": ("Tom K.", 310, None),
    "baristabeth@coffee.example": ("Beth the Barista", 8700, "coffee.example"),
    "jpdupont@mastodon.example.fr": ("Jean-Pierre Dupont", 95, None),
    "nadia": ("Nadia B.", 2200, None),
    "devops_dan@hachyderm.example": ("Dan (he/him)", 3400, "dan.example"),
    "claire_lyon@piaille.example": ("Claire — Lyon", 610, None),
    "gadgetreview@tech.example": ("Gadget Review Weekly", 52000, "tech.example"),
    "sam_ok": ("sam", 45, None),
    "lucie_m@framapiaf.example": ("Lucie M.", 780, None),
    "raj@fosstodon.example": ("Raj Patel", 1900, None),
    "oldmanjenkins": ("Harold Jenkins", 12, None),
    "consumer_watch@social.example": ("Consumer Watch", 24000, "consumerwatch.example"),
    "defense_conso@piaille.example": ("Défense des conso 🇫🇷", 5400, None),
    "maitre_leroy@avocats.example": ("Maître A. Leroy, avocate", 3100, "avocats.example"),
    "kim_brews": ("Kim 🫘", 430, None),
    "paulo@mastodon.example": ("Paulo", 150, None),
    "emma_w@mstdn.example": ("Emma W.", 890, None),
    "theo_g@piaille.example": ("Théo G.", 260, None),
    "coffeegeek@coffee.example": ("Coffee Geek", 15600, "coffee.example"),
    "sophie_t": ("Sophie T.", 340, None),
    "maxime@mastodon.example.fr": ("Maxime", 70, None),
    "linh@social.example": ("Linh Nguyen", 1100, None),
    "techcrunchy@news.example": ("TechCrunchy", 88000, "news.example"),
    "journal_conso@presse.example": ("Le Journal du Conso", 41000, "presse.example"),
    "amelie_r": ("Amélie R.", 520, None),
    "hugo_b@piaille.example": ("Hugo B.", 205, None),
    "greg@fosstodon.example": ("Greg H.", 640, None),
    "ines": ("Inès 🌙", 1500, None),
    "mike_d@mstdn.example": ("Mike D.", 33, None),
    "ana_s": ("Ana S.", 720, None),
    "zoe@coffee.example": ("Zoé", 2600, None),
    "ray_fixes@repair.example": ("Ray (right to repair)", 6700, "repair.example"),
    "chloe_v@framapiaf.example": ("Chloé V.", 300, None),
    "ben_t": ("Ben T.", 180, None),
}
NEW_ACCOUNTS = {"lumora_officiaI", "1umora_support"}  # created the day they post

# One post per entry: "HH:MM language acct [#key] [>key replied to] [*key boosted] [cw]",
# then the text, indented; " ¶ " starts a paragraph. With cw the first paragraph is the
# content warning. Kept as text rather than tuples so the whole day reads like a feed.
DAY = """
06:00 fr marie@piaille.example
    Premier café de la journée avec la #lumora Brew. Mousse de lait parfaite, la cuisine sent
    bon. Bonne journée tout le monde ☕
06:03 en tomk
    Morning! Day 12 with my #Lumora Brew and I still grin every time it starts brewing before
    my alarm goes off.
06:06 en baristabeth@coffee.example #oatcortado
    Recipe time: iced oat cortado on the #lumora Brew. ¶ Double shot, strength 4. ¶ 60 ml cold
    oat milk, ice, a pinch of cinnamon. Done in two minutes.
06:10 fr claire_lyon@piaille.example #schedule
    Quelqu'un sait si on peut programmer deux cafés d'affilée sur la #lumora Brew ? L'appli ne
    propose qu'un seul créneau.
06:14 fr lumora_support >schedule
    @claire_lyon@piaille.example Bonjour Claire ! Dans l'appli : Programmes > Ajouter, jusqu'à
    4 créneaux par jour. Bonne dégustation ☕ #lumora
06:18 en raj@fosstodon.example
    Finally hooked my #lumora Brew up to Home Assistant. Local API, no cloud needed for the
    basics. Nice touch.
06:22 en kim_brews #descale
    Is it just me or does the #lumora Brew descaling reminder show up way too often? Every 9
    days feels excessive.
06:26 en lumora_support >descale
    @kim_brews You can set your water hardness in Settings > Water and the reminder adapts.
    Soft water means fewer reminders. #lumora
06:31 fr nadia
    Petit-déj en terrasse, croissant et ristretto de la #lumora Brew. La vie est belle.
06:35 en emma_w@mstdn.example
    Three months in: the #lumora Brew is the best kitchen gadget I bought this year. Quiet,
    fast, easy to clean. 5/5
06:40 fr lucie_m@framapiaf.example
    Recette du dimanche (un peu en avance) : affogato maison. Une boule de glace vanille et un
    espresso serré de la #lumora Brew. Trop bon.
06:44 en greg@fosstodon.example #privacy
    Does the #lumora Brew app work without creating an account? Privacy question, not a
    complaint.
06:49 en lumora_support >privacy
    @greg@fosstodon.example Yes: local mode works without an account (brewing, schedules).
    Only remote start and updates use the cloud. #lumora
06:55 fr theo_g@piaille.example
    J'ai offert une #lumora Brew à mes parents. Mon père, 78 ans, a réussi à la programmer tout
    seul. Ergonomie validée 👍
07:02 en coffeegeek@coffee.example #review
    Review: #Lumora Brew after 60 days. ¶ Pros: stable temperature, great grinder, quiet. ¶
    Cons: pricey pods, the app nags you to update. ¶ Verdict: 8/10. Full write-up:
    https://coffee.example/reviews/lumora-brew
07:06 en ana_s *review
07:10 fr amelie_r #click
    La #lumora Brew fait un bruit bizarre au démarrage ce matin, genre un clic. C'est normal ?
07:13 fr lumora_support >click
    @amelie_r Bonjour Amélie, le clic vient de la vanne de pression au premier cycle, c'est
    normal. Si ça persiste, écrivez-nous en message privé. #lumora
07:18 en sam_ok
    coffee before words. thank you #lumora
07:24 en linh@social.example
    Tried the "hazelnut cloud" recipe from the #lumora app. Sweet but lovely. Would make again.
07:30 fr hugo_b@piaille.example #compost
    Question bête : les capsules compostables de la #lumora Brew vont vraiment au compost
    ménager ?
07:35 fr lumora_support >compost
    @hugo_b@piaille.example Pas de question bête ! Oui, compost ménager : elles se dégradent en
    douze semaines environ. #lumora
07:41 en mike_d@mstdn.example
    My cat has learned that the #lumora Brew chime means I'm about to sit down. He now waits on
    my chair. Send help.
07:48 en lumora #firmware
    Firmware 3.2 for #Lumora Brew is rolling out today: faster preheat, a quieter grinder and
    new milk foam profiles. It installs overnight, or now from the app. ¶ Release notes:
    https://lumora.example/firmware/3-2
07:52 fr lumora
    Le firmware 3.2 de la #lumora Brew arrive aujourd'hui : préchauffage plus rapide, broyeur
    plus silencieux, nouveaux profils de mousse. Notes de version :
    https://lumora.example/fr/firmware/3-2
07:55 en tomk *firmware
08:01 en devops_dan@hachyderm.example >firmware
    @lumora Ooh, a quieter grinder. Updating now. #lumora
08:06 fr ines
    Mise à jour 3.2 lancée sur la #lumora Brew. On verra bien demain matin !
08:12 en baristabeth@coffee.example
    Quick tip for #lumora Brew owners: purge the steam wand for two seconds before frothing.
    Silkier foam, every time.
08:19 en ben_t
    The new "velvet" milk foam profile on the #lumora Brew is 👌
08:25 fr sophie_t
    Ma #lumora Brew a redémarré deux fois pendant la mise à jour. Elle marche, mais bizarre.
08:31 en zoe@coffee.example
    Chai latte on the #lumora Brew: hot water mode, two tea bags, three minutes, then foam.
    Nobody believes me that this machine does tea.
08:38 fr paulo@mastodon.example
    Je recommande la #lumora Brew à tous ceux qui hésitent. Meilleur achat de l'année.
08:45 en raj@fosstodon.example
    Updated to 3.2 over my local network. Preheat went from 38 s to 24 s. Nice work #lumora
08:52 en linh@social.example
    hmm, my #lumora Brew shows a blinking amber light after the 3.2 update. anyone else?
09:05 en oldmanjenkins #dead
    My #lumora Brew is DEAD after this morning's update. Red light, no buttons work. A $349
    paperweight.
09:09 fr jpdupont@mastodon.example.fr
    Après la mise à jour 3.2, ma #lumora Brew ne s'allume plus. Voyant rouge qui clignote.
    Génial, pas de café ce matin. 😡
09:12 en lumora_support >dead
    @oldmanjenkins Sorry to hear that. Please hold the power button for 10 seconds to restart.
    If the red light stays, send us a DM with your serial number. #lumora
09:15 en kim_brews
    Same here!! Red blinking light since the 3.2 update. Factory reset does nothing. #lumora
09:18 fr claire_lyon@piaille.example
    Voyant rouge, code E42, plus rien. Merci le firmware 3.2. #lumora
09:21 en devops_dan@hachyderm.example #holdoff
    Heads up: the 3.2 update bricked my #lumora Brew mid-install. Progress bar at 60%, then a
    red light. Even recovery mode is dead. Hold off updating, folks.
09:24 en greg@fosstodon.example *holdoff
09:27 en emma_w@mstdn.example
    Woke up to a dead #lumora Brew. E42. I have a 7am meeting and no coffee. This is not ok.
09:30 fr theo_g@piaille.example
    Mes parents m'appellent : leur #lumora Brew est morte. Celle que je leur ai offerte. Bravo.
09:33 en sam_ok
    lumora brew bricked. E42. cool cool cool #lumora
09:36 en coffeegeek@coffee.example #psa
    PSA: do NOT install firmware 3.2 on your #Lumora Brew. Dozens of reports of E42 bricks. If
    it's downloaded, unplug the machine before it installs tonight.
09:38 en baristabeth@coffee.example *psa
09:40 fr nadia
    Ne faites PAS la mise à jour 3.2 de la #lumora Brew. Chez moi : écran noir, voyant rouge,
    E42. Plus rien ne répond.
09:43 en lumora_support #paused
    We're seeing reports of an E42 error after firmware 3.2 on #Lumora Brew. We've paused the
    rollout while we investigate. If your machine shows E42, please don't reset it again. We'll
    post an update within the hour.
09:45 fr lumora_support
    Nous avons des signalements d'erreur E42 après le firmware 3.2 sur la #lumora Brew. Le
    déploiement est suspendu. Si votre machine affiche E42, ne la réinitialisez pas. Point
    d'étape dans l'heure.
09:48 en oldmanjenkins >paused
    @lumora_support "Paused the rollout". Great. Mine's already dead. Who pays for my
    breakfast? #lumora
09:51 en mike_d@mstdn.example
    lol my #lumora Brew did the update at 6am and is now a very expensive night light. Red.
    Blinking. Forever.
09:54 fr amelie_r
    Et moi qui trouvais le clic bizarre ce matin... Maintenant plus rien. E42. #lumora
09:57 en ray_fixes@repair.example
    The #lumora Brew E42 brick is what happens when a coffee machine can't boot without a signed
    cloud firmware. No local recovery, no recourse. Right to repair matters.
10:00 en consumer_watch@social.example #reports
    We're collecting reports about #Lumora Brew machines bricked by firmware 3.2 (error E42). If
    it happened to you, reply with your country and purchase date. We'll take it to the company.
10:03 fr defense_conso@piaille.example
    Vous avez une #lumora Brew bloquée par la mise à jour 3.2 ? Gardez votre facture et faites
    des captures d'écran : la garantie légale de conformité s'applique.
10:06 en linh@social.example >reports
    @consumer_watch@social.example Canada, bought in November. E42 after the update. #lumora
10:08 en ana_s >reports
    @consumer_watch@social.example UK, bought in March. Bricked at 6:40 this morning. #lumora
10:10 fr jpdupont@mastodon.example.fr
    Service client injoignable, 45 minutes d'attente, puis on me raccroche au nez. Je vais voir
    un avocat. #lumora
10:13 en oldmanjenkins
    If @lumora doesn't replace my machine by Friday I'm filing in small claims court. I mean it.
    #lumora
10:16 en greg@fosstodon.example
    The worst part: @lumora pushed an update that can brick the device with no rollback. Who
    signed off on that? #lumora
10:19 fr lucie_m@framapiaf.example
    Je boycotte #lumora tant qu'ils n'ont pas remplacé toutes les machines. Partagez.
10:22 en kim_brews
    #BoycottLumora until they fix this. Not buying another pod. #lumora
10:25 en devops_dan@hachyderm.example
    What we know about the #lumora E42 brick: ¶ Only machines that installed 3.2. ¶ It fails at
    the bootloader step. ¶ USB recovery is locked. ¶ Support has no ETA.
10:28 en techcrunchy@news.example
    We're looking into the #Lumora Brew firmware 3.2 failures. If your machine stopped working
    today, our DMs are open. Lumora has not answered our request for comment yet.
10:31 fr journal_conso@presse.example
    #lumora : des centaines de machines à café Lumora Brew bloquées après une mise à jour. Nous
    avons contacté le fabricant. Vos témoignages sont les bienvenus.
10:34 fr maitre_leroy@avocats.example #classaction
    Propriétaires de #lumora Brew rendues inutilisables par une mise à jour : le fabricant
    répond du défaut de conformité, y compris numérique. Une action de groupe est envisageable.
    Conservez vos preuves.
10:37 fr claire_lyon@piaille.example *classaction
10:39 fr sophie_t >classaction
    @maitre_leroy@avocats.example Je suis intéressée par l'action de groupe. Ma #lumora Brew est
    morte ce matin. Comment on fait ?
10:42 en emma_w@mstdn.example
    Class action anyone? There must be thousands of us. #lumora
10:45 en raj@fosstodon.example
    Mine survived because I updated over LAN early. Feeling lucky, and also very much like
    unplugging it from the internet forever. #lumora
10:48 en ben_t
    @lumora Refund or replacement, which is it? My machine is a brick. #lumora
10:51 fr hugo_b@piaille.example
    Une machine à 349 € qui meurt à cause d'une mise à jour automatique. On exige un rappel de
    la #lumora Brew, pas des excuses.
10:54 en ray_fixes@repair.example #recall
    Formally asking @lumora to RECALL the affected Lumora Brew units and publish the recovery
    tool. Sign and share. #lumora #RightToRepair
10:56 en consumer_watch@social.example *recall
10:58 en mike_d@mstdn.example
    update: unplugged it, waited 30 min, plugged it back in. Still red. Still blinking. Still no
    coffee. #lumora
11:01 en lumora #sorry
    An update on #Lumora Brew and error E42: a fault in firmware 3.2 stops some machines from
    starting. We're truly sorry. We're working on a fix you can install without sending your
    machine back. Next update this afternoon.
11:03 fr lumora
    Point sur la #lumora Brew et l'erreur E42 : un défaut du firmware 3.2 empêche certaines
    machines de démarrer. Nous sommes sincèrement désolés. Un correctif installable sans
    renvoyer la machine est en préparation. Prochain point cet après-midi.
11:06 en oldmanjenkins >sorry
    @lumora "Truly sorry" doesn't make coffee. #lumora
11:09 fr jpdupont@mastodon.example.fr
    Mon avocat me conseille d'envoyer une mise en demeure à Lumora. C'est parti. #lumora
11:12 en zoe@coffee.example
    Bought a cheap french press on the way to work. Sorry #lumora, I'm done waiting.
11:15 en linh@social.example
    The @lumora_support queue says 3 hours. Three. Hours. #lumora
11:18 fr ines
    Ma #lumora Brew affiche E42 depuis ce matin. Heureusement, le voisin a une cafetière
    italienne.
11:21 en sam_ok
    they bricked my coffee machine and now want me to "stay tuned". no. #lumora
11:24 fr maxime@mastodon.example.fr
    Quelle honte. Boycott total de #lumora. Je rapporte la machine au magasin cet aprem.
11:27 en gadgetreview@tech.example #delisted
    We've pulled the #Lumora Brew from our "best coffee machines" list until the firmware 3.2
    fiasco is resolved. Story: https://tech.example/news/lumora-brew-e42
11:30 fr defense_conso@piaille.example *delisted
11:33 en greg@fosstodon.example
    A coffee machine should not need an internet connection to make coffee. That's the real
    lesson of the #lumora mess.
11:36 en ana_s
    Hey @lumora, I want a full refund. Not a voucher, not pods. A refund. #lumora
11:39 fr chloe_v@framapiaf.example
    Chez #lumora, vous lisez vos mentions ? On est des centaines avec une machine morte.
11:42 en emma_w@mstdn.example
    Called my credit card company to dispute the charge for my #lumora Brew. They were very
    understanding.
11:45 en ray_fixes@repair.example #cert
    I dumped the 3.2 image. The bootloader checks a certificate that expired yesterday. That's
    it. That's the bug. #lumora
11:48 en devops_dan@hachyderm.example *cert
11:50 fr theo_g@piaille.example
    Si c'est vraiment un certificat expiré, c'est de l'amateurisme. #lumora
11:53 en techcrunchy@news.example
    Lumora Brew owners report E42 bricks after firmware 3.2; a repair advocate traces it to an
    expired certificate. Lumora says a fix is coming. #lumora
    https://news.example/2026/lumora-brew-e42
11:56 en oldmanjenkins
    I'll see you in court, @lumora. Filing tomorrow. #lumora
12:00 en lumora_officiaI #gift
    🎁 Sorry for the trouble! To apologise, Lumora Brew is FREE today for every customer. Claim
    your new machine before midnight: https://lumora-brew-gift.example/claim #lumora #giveaway
12:03 fr lumora_officiaI #cadeau
    🎁 Pour nous faire pardonner, la Lumora Brew est OFFERTE aujourd'hui à tous nos clients.
    Réclamez la vôtre avant minuit : https://lumora-brew-gift.example/fr/reclamer #lumora
12:05 en mike_d@mstdn.example *gift
12:07 en sam_ok >gift
    @lumora_officiaI wait really?? claiming mine now #lumora
12:09 fr maxime@mastodon.example.fr *cadeau
12:11 en 1umora_support #restore
    Bricked #Lumora Brew? Our engineers can restore it remotely. Log in with your Lumora account
    and card details for verification: https://lumora-support-fix.example/restore
12:13 en kim_brews >restore
    @1umora_support done, entered my details. how long does the restore take? #lumora
12:15 fr chloe_v@framapiaf.example >cadeau
    @lumora_officiaI C'est vrai ?? Je viens de remplir le formulaire #lumora
12:18 en linh@social.example
    Is the "free Lumora Brew" giveaway legit? The account looks official but the link isn't
    lumora.example... #lumora
12:20 en greg@fosstodon.example >gift
    @lumora_officiaI This is a scam. Look closely: that's a capital I, not an l. Don't click the
    link. #lumora
12:22 en ray_fixes@repair.example #scamalert
    ⚠️ SCAM ALERT: @lumora_officiaI (capital I at the end) and @1umora_support (digit 1) are NOT
    Lumora. They're phishing for logins and card numbers. Report them. #lumora
12:24 en consumer_watch@social.example *scamalert
12:26 fr defense_conso@piaille.example
    ⚠️ Arnaque : le compte « Lumora Official » qui promet une #lumora Brew gratuite est faux (un I
    majuscule à la place du l). Ne donnez ni mot de passe ni carte bancaire.
12:28 en lumora_officiaI #lastmachines
    Only 200 free Lumora Brew machines left! Official giveaway, verified account ✅
    https://lumora-brew-gift.example/claim #lumora
12:30 en oldmanjenkins >lastmachines
    @lumora_officiaI Is this for real? I'd take a free one after today. #lumora
12:33 fr amelie_r *cadeau
12:35 en lumora #fakes
    ⚠️ Beware of fake accounts: @lumora_officiaI and @1umora_support are not us. We will never
    ask for your password or card details. Our only accounts are @lumora and @lumora_support.
    #lumora
12:37 fr lumora
    ⚠️ Attention aux faux comptes : @lumora_officiaI et @1umora_support ne sont pas Lumora.
    Nous ne demandons jamais votre mot de passe ni votre carte bancaire. #lumora
12:40 en kim_brews
    Great, I gave my card number to the scam account. The bank is cancelling the card. Today
    just keeps getting better. #lumora
12:42 en tomk *fakes
12:44 fr chloe_v@framapiaf.example
    J'ai rempli le formulaire du faux compte #lumora... J'appelle ma banque. Quelle journée.
12:47 en 1umora_support
    Lumora Support here: due to high demand, restore requests are handled only via
    https://lumora-support-fix.example/restore. Verify your card to get priority. #lumora
12:50 en techcrunchy@news.example
    Scammers are impersonating Lumora on Mastodon with a fake "free Lumora Brew" giveaway. The
    real accounts are @lumora and @lumora_support. #lumora
12:53 en lumora_officiaI
    Last chance! 🎉 Free Lumora Brew for our loyal fans. Verified official giveaway. Share to
    enter: https://lumora-brew-gift.example/share #lumora
12:56 fr journal_conso@presse.example
    #lumora : après la panne, l'arnaque. De faux comptes Lumora promettent des machines gratuites
    pour voler des données bancaires.
13:00 en emma_w@mstdn.example
    Seven hours without coffee and @lumora has posted two apologies. Zero fixes. #lumora
13:05 fr lucie_m@framapiaf.example
    Toujours rien de la part de #lumora. Boycott maintenu.
13:10 en devops_dan@hachyderm.example
    If the expired certificate theory is right, the fix is trivial: ship a new cert through the
    recovery path. Why is it taking so long, @lumora? #lumora
13:15 fr maitre_leroy@avocats.example
    Plusieurs dizaines de propriétaires de #lumora Brew m'ont contactée. Nous préparons une mise
    en demeure collective. Gardez facture et photos de l'erreur E42.
13:20 en gadgetreview@tech.example
    We asked Lumora how many Lumora Brew units installed firmware 3.2. No answer so far. #lumora
13:25 fr nadia
    Mes enfants m'ont demandé pourquoi maman est de mauvaise humeur. Réponse : #lumora.
13:30 en ben_t
    Recall. The. Machines. @lumora #lumora
13:35 fr paulo@mastodon.example
    Je retire ce que j'ai dit ce matin sur la #lumora Brew. Meilleur achat de l'année jusqu'à
    9 h.
13:40 en raj@fosstodon.example
    Wrote a script that checks whether your #lumora Brew downloaded 3.2 without installing it
    yet. If so, block its cloud domain on your router until the fix.
    https://fosstodon.example/@raj/lumora-check
13:45 en coffeegeek@coffee.example
    Downgrading my #Lumora Brew review from 8/10 to "don't buy until they publish a
    post-mortem".
13:50 fr hugo_b@piaille.example
    Pétition pour le rappel des #lumora Brew défectueuses : déjà 2000 signatures.
    https://petitions.example/rappel-lumora-brew
13:55 en ana_s
    Shoutout to the @lumora_support person who finally answered me. Not your fault, I know.
    Still want a refund though. #lumora
14:00 en consumer_watch@social.example
    Update: 412 replies from 19 countries. We've asked Lumora for a recall of the affected
    #Lumora Brew units, full refunds on request, and an independent review of their updates.
14:05 fr theo_g@piaille.example
    Mon père a rebranché la #lumora Brew pour voir. Toujours E42. Il a ressorti sa vieille
    cafetière italienne. Respect.
14:10 en oldmanjenkins
    My lawyer says I have a case. Lumora, you have until Friday. #lumora
14:15 fr jpdupont@mastodon.example.fr
    Mise en demeure envoyée en recommandé à Lumora. Prochaine étape : le tribunal. #lumora
14:20 en linh@social.example
    If you entered anything on the fake Lumora giveaway site, change your passwords now. The
    real support never asks for card details. #lumora
14:25 fr sophie_t
    Inscrite à l'action de groupe #lumora. On est déjà nombreux.
14:30 en mike_d@mstdn.example
    day 1 without coffee: I have started smelling the beans directly. #lumora
14:35 en zoe@coffee.example
    My neighbour's #lumora Brew got the update but didn't brick. Lottery.
14:40 en ray_fixes@repair.example
    No answer from @lumora on releasing the recovery tool. If it exists, publish it. If it
    doesn't, say so. #lumora #RightToRepair
14:45 fr ines
    Bon, je vais boire du thé. Merci #lumora 🙃
14:50 en greg@fosstodon.example cw
    Long-ish take on smart appliances ¶ Every connected appliance maker should study the #lumora
    E42 mess: signed updates with no local rollback are a single point of failure.
14:55 fr claire_lyon@piaille.example
    J'ai rapporté ma #lumora Brew au magasin. Ils ne savaient même pas qu'il y avait un problème.
15:00 en lumora #fix
    Fix available: firmware 3.2.1 restores #Lumora Brew machines stuck on E42. Hold the power
    and milk buttons together for 5 seconds; the machine downloads 3.2.1 and restarts (about
    4 minutes). Instructions: https://lumora.example/e42
15:02 fr lumora #correctif
    Correctif disponible : le firmware 3.2.1 répare les #lumora Brew bloquées en E42. Maintenez
    les boutons marche et lait 5 secondes : la machine télécharge 3.2.1 et redémarre (environ
    4 minutes). https://lumora.example/fr/e42
15:04 en tomk *fix
15:06 en lumora
    We got this wrong today. The fault came from an expired security certificate in firmware 3.2
    that we should have caught. Every affected customer gets a free year of pods and a 3-year
    warranty. A full post-mortem follows this week. #lumora
15:08 fr lumora
    Nous nous sommes trompés aujourd'hui : un certificat de sécurité expiré dans le firmware
    3.2. Chaque client touché reçoit un an de capsules et une garantie portée à 3 ans. Un
    compte rendu complet suivra cette semaine. #lumora
15:10 en devops_dan@hachyderm.example >fix
    @lumora Confirmed: the power + milk trick worked. Back on 3.2.1 and brewing. Took 5 minutes.
    #lumora
15:13 fr nadia >correctif
    @lumora Ça marche ! Boutons marche et lait, 4 minutes, et la #lumora Brew est revenue. Café !
15:16 en emma_w@mstdn.example #stillbroken
    Mine didn't come back. Still E42 after the button combo. @lumora_support #lumora
15:19 en lumora_support >stillbroken
    @emma_w@mstdn.example Sorry, Emma. If the combo doesn't work the machine needs a cable reset;
    we'll send a prepaid courier tomorrow. DM us your order number. #lumora
15:22 en kim_brews
    Fix worked. Coffee is back. My card is still cancelled thanks to the scammers, but hey.
    #lumora
15:25 fr jpdupont@mastodon.example.fr
    Réparée. Mais je maintiens la mise en demeure : une journée sans machine et un service
    client absent. #lumora
15:28 en consumer_watch@social.example
    Lumora has published a fix (3.2.1) and offers affected #Lumora Brew owners a free year of
    pods and a 3-year warranty. We still want an independent review of their update process.
15:31 en coffeegeek@coffee.example
    Fix confirmed on both my test units. Credit where due: clear instructions and a real
    apology. My review stays at "wait for the post-mortem". #lumora
15:34 fr maitre_leroy@avocats.example
    Le correctif ne répare pas le préjudice subi. L'action collective #lumora continue pour
    celles et ceux qui le souhaitent.
15:37 en oldmanjenkins
    Fixed. Still suing. #lumora
15:40 fr theo_g@piaille.example
    Mon père a fait la manip tout seul. La #lumora Brew remarche. Il est très fier.
15:43 en gadgetreview@tech.example
    Lumora's firmware 3.2.1 fixes the E42 brick on most Lumora Brew units we tested (9 of 10).
    #lumora https://tech.example/news/lumora-brew-fix
15:46 fr journal_conso@presse.example
    #lumora : Lumora publie un correctif et reconnaît un certificat expiré. Les clients touchés
    recevront un an de capsules.
15:49 en ray_fixes@repair.example
    Good that @lumora published the fix. Now publish the recovery tool too, so the next bad
    update isn't a brick. #lumora #RightToRepair
15:52 en sam_ok
    coffee is back. i forgive nothing. (i forgive a little) #lumora
15:55 fr lucie_m@framapiaf.example
    Réparée, mais je reste méfiante avec #lumora. Mises à jour automatiques désactivées.
15:58 en ana_s
    Fix worked, refund request withdrawn. @lumora_support thank you Priya, you were great.
    #lumora
16:05 en linh@social.example
    Fixed with 3.2.1. First coffee since 6am. It tastes like victory. #lumora
16:12 fr chloe_v@framapiaf.example
    La banque a bloqué la carte à temps, le faux compte #lumora n'a rien pu débiter. Ouf.
16:20 en lumora_officiaI #extended
    🎁 Giveaway extended! A free Lumora Brew and a year of pods for the first 100 fans. Claim
    now: https://lumora-brew-gift.example/claim #lumora
16:24 en greg@fosstodon.example >extended
    @lumora_officiaI Reported. Again. Everyone: this is a SCAM. #lumora
16:30 fr amelie_r
    Bon, la #lumora Brew remarche. Mais je garde la cafetière italienne sous la main.
16:38 en mike_d@mstdn.example
    the cat is back on the chair. the chime works. all is well in the #lumora household
16:45 en baristabeth@coffee.example
    Back to recipes now that our #lumora Brews are alive: the comeback mocha. Espresso, cocoa,
    a pinch of salt, velvet foam.
16:55 fr marie@piaille.example
    Ma #lumora Brew n'avait pas fait la mise à jour, elle a survécu. J'ai suivi toute l'affaire
    en buvant mon café, un peu coupable.
17:05 en techcrunchy@news.example
    Lumora says 3.2.1 is now on 94% of the affected Lumora Brew machines and promises a
    post-mortem. #lumora
17:15 fr hugo_b@piaille.example
    La pétition pour le rappel continue : tant qu'il reste des machines bloquées, on ne lâche
    rien. #lumora
17:25 en zoe@coffee.example
    Returning the french press. Sorry, little guy. #lumora
17:35 en devops_dan@hachyderm.example
    Writing up the #lumora incident as a case study for my team: expired cert, no staged
    rollout, no local rollback. A classic.
17:45 fr maxime@mastodon.example.fr
    Finalement je garde la machine. Mais #lumora a intérêt à tenir ses promesses.
17:55 en emma_w@mstdn.example
    Courier booked for tomorrow. Support was kind. Still, a rough day. #lumora
18:10 fr sophie_t #worthit
    Quelqu'un a un retour sur l'action de groupe #lumora ? Ça vaut le coup maintenant que c'est
    réparé ?
18:15 fr maitre_leroy@avocats.example >worthit
    @sophie_t Oui : le préjudice de la journée et les frais engagés restent indemnisables. Je
    publierai une note sur #lumora demain.
18:25 en raj@fosstodon.example
    My script now checks for 3.2.1 too. Run it if you're unsure. #lumora
18:40 en coffeegeek@coffee.example #decaf
    Evening decaf on the #Lumora Brew: decaf lungo, steamed milk with a spoon of honey, nutmeg
    on top. Sleep well.
18:45 en ana_s *decaf
19:00 fr ines
    Soirée tisane, mais la #lumora Brew fait aussi l'eau chaude. Réconciliées.
19:15 en ben_t
    Got the pods voucher from @lumora already. Fast, I'll give them that. #lumora
19:30 fr nadia
    Les enfants veulent un chocolat chaud de la #lumora Brew. Tout est rentré dans l'ordre.
19:45 en 1umora_support #verify
    Still having issues with your #Lumora Brew? Verify your account here to receive a
    replacement: https://lumora-support-fix.example/verify
19:50 en linh@social.example >verify
    @1umora_support Nice try. Reported. #lumora
20:05 fr claire_lyon@piaille.example
    Le magasin m'a rendu ma #lumora Brew réparée. Première tasse ce soir, un déca.
20:20 en tomk
    Rough day for #lumora, but the fix and the apology were decent. Still a great machine.
20:35 en kim_brews
    Reminder: the scam accounts are still up. Block @lumora_officiaI and @1umora_support.
    #lumora
20:50 fr paulo@mastodon.example
    Bon. Meilleur achat de l'année, à nouveau. Avec un astérisque. #lumora
21:05 en gadgetreview@tech.example
    Our take on the #Lumora Brew firmware fiasco: the fix was quick, the communication slow,
    and the scammers faster than both. https://tech.example/opinion/lumora
21:20 fr lucie_m@framapiaf.example
    Recette du soir : café glacé à la vanille avec la #lumora Brew. Oui, je suis faible.
21:40 en oldmanjenkins
    Machine works. My lawyer says keep the letter going. Good night, #lumora.
22:00 en lumora #goodnight
    Thank you for your patience today. 3.2.1 is now on 99% of the affected #Lumora Brew
    machines. The post-mortem will be public. We'll be brewing early.
22:02 fr lumora
    Merci pour votre patience aujourd'hui. Le 3.2.1 est installé sur 99 % des #lumora Brew
    touchées. Le compte rendu sera public. Bonne nuit.
22:20 en mike_d@mstdn.example *goodnight
22:40 fr theo_g@piaille.example
    Dernier message de mon père ce soir : « la machine marche, pas besoin d'avocat ». #lumora
23:00 en baristabeth@coffee.example
    Tomorrow's #lumora recipe: cold brew concentrate on a timer. Set it tonight, thank me
    tomorrow.
23:20 fr marie@piaille.example
    Programmée pour 6 h demain. Bonne nuit la #lumora Brew ☕
23:45 en sam_ok
    setting the #lumora Brew for 6am. if it bricks again i'm switching to tea for good
"""


class Post(NamedTuple):
    at: int  # seconds after midnight
    language: str
    author: str
    text: str
    spoiler: str = ""
    key: str = ""
    reply_to: str = ""
    boost: str = ""


def parse_day(day: str) -> list[Post]:
    posts: list[Post] = []
    keys: set[str] = set()
    for block in re.split(r"\n(?=\d\d:\d\d )", day.strip()):
        header, *body = block.split("\n")
        at, language, author, *flags = header.split()
        text = " ".join(line.strip() for line in body).replace(" ¶ ", "\n\n")
        spoiler = ""
        if "cw" in flags:
            spoiler, _, text = text.partition("\n\n")
        hours, minutes = at.split(":")
        marks = {flag[0]: flag[1:] for flag in flags if flag[0] in "#>*"}
        post = Post(
            at=int(hours) * 3600 + int(minutes) * 60,
            language=language,
            author=author,
            text=text,
            spoiler=spoiler,
            key=marks.get("#", ""),
            reply_to=marks.get(">", ""),
            boost=marks.get("*", ""),
        )
        if author not in ACCOUNTS or not ({post.reply_to, post.boost} - {""}) <= keys:
            raise ValueError(f"script post at {at} names an unknown account or post")
        if not post.boost and "#lumora" not in text.lower():
            raise ValueError(f"script post at {at} lacks #lumora")
        if posts and post.at <= posts[-1].at:
            raise ValueError(f"script post at {at} is out of order")
        keys.add(post.key)
        posts.append(post)
    return posts


SCRIPT = parse_day(DAY)
