"""The demo journal as plain Python data: authors, tags and articles.

Nothing here touches the database.

Wording note: the same rules apply as in the catalogue demo data. Cosmetics and food
supplements may not claim to prevent, treat or cure disease, so articles talk about
"skin prone to ..." and what a product "may help support", report research as research
rather than as a claim for any product, and give supplements only their authorised
nutrition and health claims (for example "zinc contributes to the maintenance of normal
skin"). Each article that touches a skin condition says when to see a pharmacist or GP.

Shapes:

- AUTHORS: dicts of slug, name, credentials, bio. The people are fictional.
- TAGS: dicts of slug, name.
- ARTICLES: dicts of slug, title, standfirst (at most 280 characters), author (slug),
  status ("published", "draft" or "scheduled"), published_days_ago (published only,
  else None), publish_in_days (scheduled only, else None), updated_days_ago (or None),
  concerns (catalogue concern slugs), tags (tag slugs), hero_alt, hero_palette
  (background, accent), body (Markdown), references and products.
- body: Markdown with ## subheadings. A line of its own reading exactly
  `{{ product: <catalogue product slug> }}` marks where a product card goes, and
  `[[book <consultation service slug>]]` a card to book a consultation.
- references: dicts of citation (Vancouver style), doi, pmid, pmcid and url, each of the
  last four a string or None. Every reference is a real publication; a PMCID is given
  only where it has been checked.
- products: the ordered "Shop this article" list, dicts of slug (catalogue product slug)
  and note (one line on why it fits the article).
"""

AUTHORS: list[dict] = [
    {
        "slug": "amara-okafor",
        "name": "Amara Okafor",
        "credentials": "Dr",
        "bio": (
            "Amara is a GP with a special interest in skin, who spent four years in hospital "
            "dermatology clinics before returning to general practice. She writes about what "
            "the research does and does not show, and about when a skin problem needs a "
            "prescription rather than a new product."
        ),
    },
    {
        "slug": "rachel-finch",
        "name": "Rachel Finch",
        "credentials": "RNutr",
        "bio": (
            "Rachel is a registered nutritionist who has spent most of her career working on "
            "dietary fibre and fermented foods. She checks every nutrition claim we make and "
            "is happiest explaining what a label actually means."
        ),
    },
    {
        "slug": "owen-pryce",
        "name": "Owen Pryce",
        "credentials": "MSc Cosmetic Science",
        "bio": (
            "Owen leads product development at Flora & Barrier and has formulated skincare "
            "for sensitive skin for over fifteen years. He is responsible for every ferment, "
            "lysate and live culture count that goes into our products."
        ),
    },
]

TAGS: list[dict] = [
    {"slug": "gut-skin-axis", "name": "Gut-skin axis"},
    {"slug": "live-cultures", "name": "Live cultures"},
    {"slug": "postbiotics", "name": "Postbiotics"},
    {"slug": "synbiotics", "name": "Synbiotics"},
    {"slug": "skin-barrier", "name": "Skin barrier"},
    {"slug": "nutrition", "name": "Nutrition"},
    {"slug": "routines", "name": "Routines"},
    {"slug": "reading-the-label", "name": "Reading the label"},
]

_REFERENCES: dict[str, dict] = {
    "lee-2019": {
        "citation": (
            "Lee YB, Byun EJ, Kim HS. Potential Role of the Microbiome in Acne: A Comprehensive "
            "Review. J Clin Med. 2019;8(7):987."
        ),
        "doi": "10.3390/jcm8070987",
        "pmid": "31284694",
        "pmcid": "PMC6678709",
        "url": None,
    },
    "maguire-2017": {
        "citation": (
            "Maguire M, Maguire G. The role of microbiota, and probiotics and prebiotics in "
            "skin health. Arch Dermatol Res. 2017;309(6):411-421."
        ),
        "doi": "10.1007/s00403-017-1750-3",
        "pmid": "28631091",
        "pmcid": None,
        "url": None,
    },
    "szanto-2019": {
        "citation": (
            "Szántó M, Dózsa A, Antal D, Szabó K, Kemény L, Bai P. Targeting the gut-skin axis - "
            "Probiotics as new tools for skin disorder management? Exp Dermatol. "
            "2019;28(11):1210-1218."
        ),
        "doi": "10.1111/exd.14016",
        "pmid": "31386766",
        "pmcid": None,
        "url": None,
    },
    "salem-2018": {
        "citation": (
            "Salem I, Ramser A, Isham N, Ghannoum MA. The Gut Microbiome as a Major Regulator "
            "of the Gut-Skin Axis. Front Microbiol. 2018;9:1459."
        ),
        "doi": "10.3389/fmicb.2018.01459",
        "pmid": "30042740",
        "pmcid": "PMC6048199",
        "url": None,
    },
    "oneill-2016": {
        "citation": (
            "O'Neill CA, Monteleone G, McLaughlin JT, Paus R. The gut-skin axis in health and "
            "disease: A paradigm with therapeutic implications. Bioessays. "
            "2016;38(11):1167-1176."
        ),
        "doi": "10.1002/bies.201600008",
        "pmid": "27554239",
        "pmcid": None,
        "url": None,
    },
    "hill-2014": {
        "citation": (
            "Hill C, Guarner F, Reid G, et al. Expert consensus document: The International "
            "Scientific Association for Probiotics and Prebiotics consensus statement on the "
            "scope and appropriate use of the term probiotic. Nat Rev Gastroenterol Hepatol. "
            "2014;11(8):506-514."
        ),
        "doi": "10.1038/nrgastro.2014.66",
        "pmid": "24912386",
        "pmcid": None,
        "url": None,
    },
    "swanson-2020": {
        "citation": (
            "Swanson KS, Gibson GR, Hutkins R, et al. The International Scientific Association "
            "for Probiotics and Prebiotics (ISAPP) consensus statement on the definition and "
            "scope of synbiotics. Nat Rev Gastroenterol Hepatol. 2020;17(11):687-701."
        ),
        "doi": "10.1038/s41575-020-0344-2",
        "pmid": "32826966",
        "pmcid": "PMC7581511",
        "url": None,
    },
}


def _refs(*keys: str) -> list[dict]:
    """Fresh copies of the named references, in the order given."""
    return [dict(_REFERENCES[key]) for key in keys]


ARTICLES: list[dict] = [
    # ------------------------------------------------------------------ gut-skin axis
    {
        "slug": "what-is-the-gut-skin-axis",
        "title": "What is the gut-skin axis, and what does it mean for your skin?",
        "standfirst": (
            "Your gut and your skin are in constant conversation through the immune system, "
            "the bloodstream and the food you eat. Here is what researchers know so far, and "
            "what they are still working out."
        ),
        "author": "amara-okafor",
        "status": "published",
        "published_days_ago": 62,
        "publish_in_days": None,
        "updated_days_ago": 10,
        "concerns": ["acne", "atopic-dermatitis", "psoriasis"],
        "tags": ["gut-skin-axis", "nutrition", "live-cultures"],
        "hero_alt": (
            "Abstract illustration of soft, overlapping circles in sage and cream, like "
            "bacteria seen under a microscope, drifting across a pale green background"
        ),
        "hero_palette": ("#E8F0E6", "#6E9B7A"),
        "body": """\
## Two organs with a lot in common

At first glance the gut and the skin have little to do with each other. One is folded away
inside us and the other is on show. Look a little closer, though, and they are surprisingly
alike. Both are barriers between the body and the outside world, both are packed with blood
vessels, nerves and immune cells, and both are home to large, distinct communities of
bacteria, fungi and other microbes.

In 2016 a team of skin and gut researchers argued that the two organs should be studied
together rather than in separate departments, and set out several ways in which they might
influence each other (O'Neill et al., 2016; doi:10.1002/bies.201600008). "Gut-skin axis" is
the shorthand for that two-way relationship. It is a research framework, not a diagnosis,
and much of it is still being mapped.

## How might the gut talk to the skin?

Researchers have proposed a handful of routes. None of them works in isolation, and the
evidence for each is at a different stage.

- **Immune signalling.** A large share of the body's immune cells sit in and around the gut
  wall, where they learn to tell harmless food and friendly microbes from genuine threats.
  The signals they produce travel around the body and may affect how inflamed other tissues,
  including the skin, become.
- **Microbial by-products.** Gut bacteria ferment the fibre we cannot digest ourselves and
  turn it into short-chain fatty acids such as butyrate. These are absorbed into the
  bloodstream and are being studied for their part in calming immune responses.
- **The gut lining.** When the lining of the gut is less tight than usual, fragments of
  bacteria may reach the circulation, which is one suggested way that a disturbed gut could
  add to inflammation elsewhere.
- **Diet.** What we eat shapes which microbes thrive in the gut, and some compounds from food
  and from microbial metabolism may reach the skin.
- **Stress and the nervous system.** Some researchers talk about a gut-brain-skin axis, in
  which stress changes the gut and the gut in turn affects the skin. A review of the acne
  research discusses this idea at length (Lee et al., 2019).

## What the research shows so far

A 2018 review brought together studies on the gut microbiome in acne, atopic dermatitis and
psoriasis (Salem et al., 2018; PMID 30042740). Across these conditions, people often have
gut microbial communities that differ from those of people without them. That is a genuinely
interesting finding, but it is an association. It does not tell us which came first, and
many of the studies were small, short or carried out in animals.

| What the research suggests | What it does not show yet |
| --- | --- |
| Gut microbes often differ in some skin conditions | That those differences cause them |
| Gut microbes make compounds that act on immune cells | Which strain helps which skin |
| Diet is a strong influence on the gut community | That one food changes a skin condition |

> The gut-skin axis is a good reason to look after your gut for its own sake. It is not a
> reason to stop a treatment that is working for your skin.

## What this means day to day

The sensible steps are the unglamorous ones, and they are good for you whatever the skin
research eventually shows.

- Aim for the UK recommendation of 30 g of fibre a day. Most adults manage about 20 g, so
  extra vegetables, pulses, oats and wholegrains are an easy place to start.
- Eat a wide variety of plants across the week, since different fibres feed different
  microbes.
- Enjoy fermented foods such as yoghurt, kefir or sauerkraut if you like them.
- Protect your sleep and find ways to manage stress that suit you.
- Look after your skin barrier from the outside with a short, gentle routine.

If you choose to take live cultures as well, pick a product that names every strain and
guarantees its count until the best-before date, so that you know what you are taking.
Live cultures are food supplements, not a treatment for any skin condition, and we do not
sell them as one.

{{ product: daily-live-cultures }}

On the outside, a fragrance-free cream with skin-identical lipids keeps dry, easily
irritated skin comfortable while you work on the rest.

{{ product: probiotic-moisturiser }}

## When to see a doctor

If your skin is painful, spreading, scarring, keeping you awake or affecting your mood,
please speak to a pharmacist or your GP. Effective treatments exist for acne, eczema and
psoriasis, and anything you do for your gut should sit alongside them, not replace them.

## Talk it through

Not sure where to start? Book in for a Holistic Skin Session with one of our Skin Mentors.

[[book holistic-skin-session]]
""",
        "references": _refs("oneill-2016", "salem-2018", "lee-2019"),
        "products": [
            {
                "slug": "daily-live-cultures",
                "note": (
                    "Five named strains in one capsule, with the count guaranteed until the "
                    "best-before date."
                ),
            },
            {
                "slug": "synbiotic-sachets",
                "note": (
                    "Live cultures and prebiotic fibre together, plus zinc, which contributes "
                    "to the maintenance of normal skin."
                ),
            },
            {
                "slug": "probiotic-moisturiser",
                "note": (
                    "A fragrance-free ceramide cream for looking after the skin barrier from "
                    "the outside."
                ),
            },
        ],
    },
    # ------------------------------------------------------- topical versus oral
    {
        "slug": "probiotics-on-the-skin-versus-in-the-gut",
        "title": "Probiotics on your skin and in your gut: what is the difference?",
        "standfirst": (
            "A live culture capsule and a cream made with a bacterial ferment are often lumped "
            "together, but they work in very different ways. Our formulator explains what is "
            "in each, and how to read the label."
        ),
        "author": "owen-pryce",
        "status": "published",
        "published_days_ago": 41,
        "publish_in_days": None,
        "updated_days_ago": None,
        "concerns": ["dry-sensitive-skin"],
        "tags": ["live-cultures", "postbiotics", "reading-the-label"],
        "hero_alt": (
            "Abstract illustration of two groups of soft circles, one small and scattered, one "
            "larger and clustered, in terracotta and cream on a warm blush background"
        ),
        "hero_palette": ("#F4E9E4", "#C07A5E"),
        "body": """\
## Start with a definition

The word probiotic has a specific meaning. In 2014 an expert panel convened by the
International Scientific Association for Probiotics and Prebiotics (ISAPP) agreed that
probiotics are live microorganisms which, taken in adequate amounts, give the person taking
them a health benefit (Hill et al., 2014; doi:10.1038/nrgastro.2014.66). Three things have
to be true: the microbes are alive, there are enough of them, and there is evidence of a
benefit.

You will notice that our supplement packs say "live cultures" rather than "probiotic". In
the UK, using the word probiotic on a food or food supplement is treated as a health claim,
and no such claim has been authorised, so we keep to a plain description of what is inside.

## What is in a skincare ferment?

Keeping bacteria alive in a cream is much harder than it sounds. The preservatives that keep
a water-based product safe once it is opened would kill them, and a jar of live bacteria
would need to live in the fridge and be used up within days. So skincare takes a different
route.

A formulator starts with a culture of bacteria, usually lactic acid bacteria, grown on a
nutrient broth. The culture is then filtered, or the cells are broken open and filtered
(that is the "lysate" in an ingredient name). What is left contains no live bacteria, only
what they made and what they were made of: peptides, organic acids, sugars and fragments of
cell wall. You will see these on an ingredients list under names such as Lactobacillus
Ferment, Lactococcus Ferment Lysate or Bifida Ferment Lysate. The word postbiotic is
increasingly used for preparations like these.

A 2017 review looked at the skin's own microbes and at how probiotics and prebiotics,
applied to the skin or taken by mouth, are being explored for skin health
(Maguire and Maguire, 2017; PMID 28631091). Much of that work is at an early stage. In our
products the ferments are cosmetic ingredients, there to help the skin look and feel calm
and comfortable.

{{ product: postbiotic-recovery-serum }}

## Live cultures you swallow

A supplement has the opposite job: the bacteria must stay alive through manufacture, months
on a shelf and the acid of the stomach. That is why we use acid-resistant plant capsules,
sealed pots and strains with a long record of stability. It is also why you should
keep live culture sachets away from hot drinks.

Whether live cultures taken by mouth affect the skin is an open research question. A 2019
review of probiotics and the gut-skin axis put a question mark at the end of its title,
which is a fair summary of where the evidence stands (Szántó et al., 2019).

## How to read a strain name

Take Lacticaseibacillus rhamnosus GG, one of the strains in our Daily Live Cultures.

- **Genus: Lacticaseibacillus.** In 2020 the large Lactobacillus genus was split into many
  smaller groups, so older studies call this strain Lactobacillus rhamnosus GG.
- **Species: rhamnosus.** Some names add a subspecies, as in Bifidobacterium animalis subsp.
  lactis BB-12.
- **Strain designation: GG.** This is the part that matters most. Research results belong
  to a particular strain, not to a whole species, and the designation is how you match a
  product to the studies behind it.

## What CFU means, and why "to best before" matters

CFU stands for colony-forming units, an estimate of how many bacteria in a serving are alive
and able to multiply. Counts fall steadily during storage, so a figure measured on the day a
product was made can be far higher than what is left a year later.

| At a glance | Skincare ferment | Live culture supplement |
| --- | --- | --- |
| Living bacteria? | No | Yes |
| Regulated as | Cosmetic | Food supplement |
| Listed as | INCI name, e.g. Lactobacillus Ferment | Genus, species, strain and CFU |
| Storage | Normal cosmetic shelf life | Cool and dry; counts fall over time |

Every supplement page in our shop lists each strain by name with its count per serving, and
says whether that count is guaranteed until the best-before date. Where it is not, as for
the Streptococcus thermophilus in our Skin Synbiotic Sachets, the page says so.

> If a label gives one large number and no strain names, you cannot check the research
> behind it, and you cannot compare it fairly with anything else.

{{ product: daily-live-cultures }}
""",
        "references": _refs("hill-2014", "maguire-2017", "szanto-2019"),
        "products": [
            {
                "slug": "postbiotic-recovery-serum",
                "note": (
                    "Our most concentrated postbiotic formula: 10% ferment lysates, with no "
                    "live bacteria."
                ),
            },
            {
                "slug": "probiotic-moisturiser",
                "note": "An everyday ceramide cream made with Lactobacillus ferment.",
            },
            {
                "slug": "daily-live-cultures",
                "note": (
                    "Five named strains, each listed with its count guaranteed to best before."
                ),
            },
            {
                "slug": "high-strength-live-cultures",
                "note": (
                    "Eight named strains and 50 billion live bacteria, for a few weeks of "
                    "higher intake."
                ),
            },
        ],
    },
    # ------------------------------------------------------------- zinc and synbiotics
    {
        "slug": "zinc-and-synbiotics-for-blemish-prone-skin",
        "title": "Zinc and synbiotics for blemish-prone skin: what to expect",
        "standfirst": (
            "Zinc is one of the few nutrients with an authorised claim for skin. Our "
            "nutritionist explains what that claim means, what a synbiotic is, and how long to "
            "give any change before you judge it."
        ),
        "author": "rachel-finch",
        "status": "published",
        "published_days_ago": 18,
        "publish_in_days": None,
        "updated_days_ago": 5,
        "concerns": ["acne"],
        "tags": ["synbiotics", "nutrition", "reading-the-label"],
        "hero_alt": (
            "Abstract illustration of small rose pink circles gathered around a few larger "
            "olive ones, suggesting bacteria and fibre, on a pale pink background"
        ),
        "hero_palette": ("#F5E6E8", "#B76E79"),
        "body": """\
## What the zinc claim says

Only a handful of nutrients may carry a claim about skin in the UK, and zinc is one of
them. The authorised wording is that zinc contributes to the maintenance of normal
skin. Zinc also contributes to the normal function of the immune system.

Those words are chosen carefully. The claim is about keeping normal skin normal, and it
reflects the fact that a shortage of zinc shows up in the skin. It is not a claim that zinc
clears spots, and you will not see us make one.

Most people who eat a varied diet get enough zinc from meat, shellfish, dairy foods, bread
and breakfast cereals. If you eat mainly plants, pulses, nuts, seeds and wholegrains all
provide it, although compounds called phytates in those foods reduce how much is absorbed.
Soaking, sprouting and fermenting (as in sourdough bread) all help.

More is not better. NHS advice is that taking 25 mg or less of zinc a day from supplements
is unlikely to cause harm, and long-term high intakes can reduce how much copper your body
absorbs. Add up the zinc across everything you take.

## What "synbiotic" means

In 2020 an ISAPP expert panel defined a synbiotic as a mixture of live microorganisms and a
substrate selectively used by microorganisms in the host, which together give a health
benefit (Swanson et al., 2020; doi:10.1038/s41575-020-0344-2). In everyday terms: live
cultures plus a fibre that feeds gut microbes, in the same product.

The panel also separated two kinds. In a complementary synbiotic the live cultures and the
fibre each do their own job. In a synergistic synbiotic the fibre is chosen specifically to
be used by the strains it comes with. Most products on the market, ours included, pair
well-studied strains with a widely used prebiotic fibre.

| Per serving | Daily Synbiotic | Skin Synbiotic | Skin Nutrients |
| --- | --- | --- | --- |
| Live cultures | 13 billion, 4 strains | 10 billion, 4 strains | None |
| Fibre | Inulin and GOS, 3.7 g | Acacia fibre, 2.6 g | None |
| Zinc | 10 mg | 5 mg | 10 mg |
| Also | None | Niacin, biotin | Niacin, biotin, selenium, vitamin C |

Niacin and biotin, like zinc, contribute to the maintenance of normal skin.

{{ product: skin-synbiotic-sachets }}

## What the research on blemishes says

Researchers have looked hard at the microbes involved in acne. A 2019 review describes how
people with and without acne both carry the skin bacterium Cutibacterium acnes, and differ
mainly in which strains of it they carry. It also discusses the proposed links between the
gut, stress, diet and the skin (Lee et al., 2019; PMID 31284694). Studies of live
cultures taken by mouth for acne are still few and small. So a synbiotic is not an acne
treatment, and we do not present ours as one.

## Realistic expectations

If you decide to try a synbiotic or a zinc supplement alongside a good skincare routine:

- Give it at least 8 to 12 weeks. Skin renews itself over roughly a month, and a blemish can
  take weeks to form beneath the surface.
- Change one thing at a time, otherwise you will not know what made the difference.
- If you are new to fibre supplements, start with half a sachet. A little extra wind in the
  first week or two is common and usually settles.
- Take photos in the same light every fortnight. Memory is a poor judge of skin.

On the outside, a rinse-off cleanser with salicylic acid helps to keep pores clear without
leaving oily skin tight.

{{ product: clarifying-gel-cleanser }}

## When to see your GP

> Persistent, painful or scarring acne is a medical condition, and it usually responds well
> to treatment. Please do not spend months on supplements first.

A pharmacist can advise on mild breakouts. See your GP if your spots are deep, painful or
leaving marks or scars, if over-the-counter products have not helped after a couple of
months, or if your skin is affecting how you feel. There are effective prescription
treatments, and starting early gives the best results.
""",
        "references": _refs("swanson-2020", "lee-2019"),
        "products": [
            {
                "slug": "skin-synbiotic-sachets",
                "note": (
                    "Vegan live cultures and acacia fibre with zinc, niacin and biotin, which "
                    "contribute to the maintenance of normal skin."
                ),
            },
            {
                "slug": "synbiotic-sachets",
                "note": ("Four strains with inulin and GOS plus 10 mg of zinc (contains milk)."),
            },
            {
                "slug": "skin-nutrients",
                "note": (
                    "Zinc, niacin and biotin without live cultures; count its 10 mg of zinc "
                    "if you also take a sachet."
                ),
            },
            {
                "slug": "clarifying-gel-cleanser",
                "note": ("A low-foam 0.5% salicylic acid wash for oily skin prone to blemishes."),
            },
        ],
    },
    # ------------------------------------------------------------ barrier routine
    {
        "slug": "three-product-routine-for-a-disturbed-skin-barrier",
        "title": "A three-product routine for a disturbed skin barrier",
        "standfirst": (
            "When skin stings, flakes and reacts to everything, doing less is usually the "
            "kindest option. A gentle cleanser, a calming serum and a ceramide moisturiser, how "
            "to patch test them, and why your prescription comes first."
        ),
        "author": "amara-okafor",
        "status": "published",
        "published_days_ago": 95,
        "publish_in_days": None,
        "updated_days_ago": 30,
        "concerns": ["dry-sensitive-skin", "atopic-dermatitis", "rosacea"],
        "tags": ["skin-barrier", "routines", "postbiotics"],
        "hero_alt": (
            "Abstract illustration of soft powder blue and peach circles packed closely "
            "together like bricks in a wall, on a pale blue background"
        ),
        "hero_palette": ("#E4EEF0", "#6F9FB0"),
        "body": """\
## What a disturbed barrier feels like

The outermost layer of the skin works a little like a brick wall. Flattened skin cells are
the bricks, and a mortar of lipids, mainly ceramides, cholesterol and fatty acids, holds
them together. When that mortar is in good shape, water stays in and irritants stay out.

When it is disrupted, you tend to notice:

- tightness soon after washing
- stinging or burning from products that used to feel fine
- flaking, rough patches or a dull, papery look
- redness that comes and goes more easily than usual

Common culprits are over-exfoliating, foaming cleansers, hot water, cold wind followed by
central heating, and some prescription creams, such as retinoids, which are known to dry the
skin. The skin's own microbes live in and on this layer too, and how they and the barrier
affect each other is an active area of research (Maguire and Maguire, 2017; PMID 28631091).

The fix is rarely another active ingredient. It is a short routine of very mild products,
used consistently for a few weeks.

## Step 1: cleanse gently

Use lukewarm water and a non-foaming cleanser, massage for about 30 seconds, rinse and pat
dry with a clean towel. If your skin is very reactive, a splash of water may be all it needs
in the morning.

{{ product: gentle-cream-cleanser }}

## Step 2: a calming serum, if you want one

A serum is optional, but a light, soothing layer can make the skin feel comfortable sooner.
Choose one, not several. The Postbiotic Recovery Serum suits skin that feels parched and
tight, and the Centella Calm Serum is formulated for skin prone to redness. Apply a few drops
to slightly damp skin.

## Step 3: a ceramide moisturiser

Look for a moisturiser with ceramides and cholesterol to top up the lipids, plus a humectant
such as glycerin to draw in water. Apply it within a minute or two of cleansing, while the
skin is still a little damp, and follow with a broad-spectrum sunscreen in the morning.

{{ product: probiotic-moisturiser }}

| Step | Morning | Evening |
| --- | --- | --- |
| 1 | Water or cleanser | Cleanser |
| 2 | Serum (optional) | Serum (optional) |
| 3 | Moisturiser | Moisturiser |
| 4 | Sunscreen | None |

## How long to keep it simple

Most people notice less tightness and stinging within a week or two, but the barrier takes
longer to recover fully than it takes to feel better. Stay with the basic routine for at
least four weeks before you judge it. After that, if you want to bring back an exfoliant or
a retinoid, reintroduce one at a time, start on two or three evenings a week, and step back
again at the first sign of stinging. If your skin is no better after a month of gentle care,
or it is getting worse, ask a pharmacist or your GP to take a look.

## Patch test first

Reactive skin deserves a slow start, even with mild products.

- Apply a small amount to the inner arm, or just behind the ear, and leave it for 24 hours.
- If your skin reacts easily, repeat morning and evening for several days before using the
  product on your face.
- Introduce one new product a week, so that you can tell what is responsible if something
  goes wrong.
- Stop if you notice itching, swelling, a rash or stinging that does not settle.

## If you have atopic dermatitis or rosacea

> Keep using everything your doctor, nurse or pharmacist has prescribed. A cosmetic routine
> sits alongside your treatment plan, never in place of it.

If you have been prescribed an emollient for eczema, that remains your main moisturiser, so
ask your GP or pharmacist before adding anything else. When you use a steroid cream as well,
NHS advice is to apply the emollient first and wait about 30 minutes before the steroid.
See your GP promptly if eczema becomes weeping, crusted or suddenly much worse, or if you
feel unwell, as these can be signs of infection.

Rosacea is a long-term condition that often has triggers, such as heat, sunlight, alcohol
and spicy food. A daily sunscreen and a short routine help many people feel more
comfortable, but persistent redness, spots or gritty, sore eyes are reasons to see your GP,
who can prescribe treatments that a cosmetic cannot replace.
""",
        "references": _refs("maguire-2017"),
        "products": [
            {
                "slug": "gentle-cream-cleanser",
                "note": "Step 1: a non-foaming cream cleanser that leaves skin soft, not tight.",
            },
            {
                "slug": "postbiotic-recovery-serum",
                "note": "Step 2 for skin that feels parched and tight after over-exfoliating.",
            },
            {
                "slug": "centella-calm-serum",
                "note": "Step 2 instead, for skin prone to redness and flushing.",
            },
            {
                "slug": "probiotic-moisturiser",
                "note": (
                    "Step 3: three ceramides, cholesterol and squalane in a fragrance-free cream."
                ),
            },
        ],
    },
    # --------------------------------------------------------------- draft: prebiotics
    {
        "slug": "prebiotics-on-your-plate-and-in-your-cleanser",
        "title": "Prebiotics on your plate and in your cleanser",
        "standfirst": (
            "Prebiotic fibre feeds the microbes in your gut, and prebiotic sugars are turning up "
            "in skincare too. What the word means in each place, and where to find prebiotics "
            "in ordinary food."
        ),
        "author": "rachel-finch",
        "status": "draft",
        "published_days_ago": None,
        "publish_in_days": None,
        "updated_days_ago": None,
        "concerns": ["dry-sensitive-skin"],
        "tags": ["nutrition", "gut-skin-axis", "synbiotics"],
        "hero_alt": (
            "Abstract illustration of small olive green circles scattered among longer, softer "
            "shapes like strands of fibre, on a pale sage background"
        ),
        "hero_palette": ("#EAF0E2", "#7E9C5B"),
        "body": """\
## What makes a fibre prebiotic?

All prebiotics are food for microbes, but not all fibre is prebiotic. The word is kept for
substances that the beneficial microbes in us use selectively, in a way that benefits the
person eating them. Plenty of fibre simply adds bulk, which is useful in its own right but
is not the same thing.

The best-studied prebiotics are inulin and fructo-oligosaccharides, found in chicory root,
onions, garlic, leeks, asparagus and Jerusalem artichokes, and galacto-oligosaccharides
(GOS), found in beans, lentils and chickpeas. Resistant starch, which forms when cooked
potatoes, rice or pasta are cooled, behaves in a similar way.

## Why it matters beyond the gut

Gut bacteria turn these fibres into short-chain fatty acids, which feed the cells of the gut
lining and are studied for their effects on the immune system. Researchers have suggested
that diet and the compounds gut microbes make from it are among the main messengers between
gut and skin (O'Neill et al., 2016). That is a research idea still being tested, not a
reason to expect a particular food to change your skin.

## A fibre-first plate

- Add a handful of beans, lentils or chickpeas to soups, stews and salads.
- Cook with onions, leeks and garlic most days.
- Keep leftover cooked potatoes or rice in the fridge for the next day's lunch.
- Increase fibre gradually and drink plenty of water, so your gut has time to adjust.

If you find it hard to eat enough, a synbiotic sachet provides live cultures and prebiotic
fibre in one serving (Swanson et al., 2020).

{{ product: synbiotic-sachets }}

## Prebiotics in skincare

In skincare, prebiotic sugars such as inulin and alpha-glucan oligosaccharide are used to
help maintain a balanced community of bacteria on the skin's surface.

{{ product: prebiotic-cleansing-milk }}

*[Draft: a section on fermented foods and a short note on FODMAPs for readers with IBS
still to come.]*
""",
        "references": _refs("oneill-2016", "swanson-2020"),
        "products": [
            {
                "slug": "synbiotic-sachets",
                "note": "Chicory inulin and GOS with four live strains in a daily sachet.",
            },
            {
                "slug": "prebiotic-cleansing-milk",
                "note": "A gentle cleansing milk with inulin and alpha-glucan oligosaccharide.",
            },
        ],
    },
    # -------------------------------------------------------------- scheduled: travel
    {
        "slug": "a-travel-routine-for-skin-and-gut",
        "title": "Packing light: a travel routine for your skin and your live cultures",
        "standfirst": (
            "Dry cabin air, hotel soap and broken routines are hard on skin. Our formulator's "
            "pared-back travel kit, and how to keep live cultures in good condition on the "
            "road."
        ),
        "author": "owen-pryce",
        "status": "scheduled",
        "published_days_ago": None,
        "publish_in_days": 3,
        "updated_days_ago": None,
        "concerns": ["dry-sensitive-skin"],
        "tags": ["routines", "skin-barrier", "live-cultures"],
        "hero_alt": (
            "Abstract illustration of cornflower blue and lilac circles strung out in a loose "
            "line, like a route on a map, across a pale blue background"
        ),
        "hero_palette": ("#E5ECF5", "#5B7DB1"),
        "body": """\
## Why skin struggles when you travel

Aeroplane cabins are kept at a very low humidity, hotel rooms are often over-heated or
air-conditioned, and most of us swap our usual products for whatever is in the bathroom.
Add late nights and a change of climate, and it is no surprise that skin which is usually
calm can feel tight, dull or blotchy by the second day.

The answer is not a bigger wash bag. It is a smaller one, with products that can each do
more than one job.

## A three-item kit

- **A mild cleanser.** Hotel soap is designed to foam, not to be kind to dry skin. Decant a
  little of your usual cleanser into a small, clean travel bottle.
- **A water-free balm.** A balm with no water in it is compact, hard to spill and works on
  dry cheeks, lips, cuticles and the sides of the nose. Press a thin layer over your face
  before a long flight and again at night.
- **Sunscreen.** New places mean more time outdoors, often in stronger sun than at home.

Check your airport's current rules on liquids before you pack, as they vary.

{{ product: overnight-squalane-balm }}

## Keeping live cultures in good condition

Live cultures only do their job if enough of them are alive when you take them
(Hill et al., 2014), and their numbers fall faster in heat and damp. When you travel:

- keep sachets or capsules in your hand luggage rather than a hot car boot or a sunny
  window sill
- choose individually sealed sachets, which are protected from humid bathrooms
- stir them into cool water, never a hot drink
- take them at the same time each day, for example with breakfast, so they fit into the
  new routine

Our travel sachets need no fridge, and each one includes 80 mg of vitamin C, which
contributes to the normal function of the immune system.

{{ product: travel-synbiotic-sachets }}

If you have a medical condition or take medication, check with your pharmacist or GP before
starting any supplement, especially before a long trip.
""",
        "references": _refs("hill-2014"),
        "products": [
            {
                "slug": "overnight-squalane-balm",
                "note": "Water-free, so it packs small and will not leak in your wash bag.",
            },
            {
                "slug": "travel-synbiotic-sachets",
                "note": "A fortnight of slim sachets with two live strains that need no fridge.",
            },
            {
                "slug": "gentle-cream-cleanser",
                "note": "Decant a little into a travel bottle instead of relying on hotel soap.",
            },
        ],
    },
]
