"""The demo catalogue as plain Python data, loaded into the database by `demo.py`.

Nothing here touches the database. Prices are in pence and include VAT.

Wording note: cosmetics and food supplements sold in the UK may not claim to
prevent, treat or cure disease, and supplements may only make the authorised
nutrition and health claims (for example "zinc contributes to the maintenance of
normal skin"). Skin concerns are therefore phrased as "formulated for skin prone
to ..." or "suitable for ...", and supplements are not linked to skin concerns.

Shapes:

- CATEGORIES: dicts of slug, name, description, position, parent (slug or None);
  parents come before their children.
- CONCERNS: dicts of slug, name, description, position.
- FREE_FROM: dicts of slug, label, position.
- PRODUCTS: dicts of slug, name, category (leaf slug), short_description,
  long_description (paragraphs separated by blank lines), how_to_use, warnings,
  serving_size, featured_rank, concerns, free_from, kind, palette, image_alt,
  created_days_ago, variants, ingredients ((inci_name, function) in INCI order),
  strains and nutrients. See the first product for every key.
"""

from __future__ import annotations

CATEGORIES: list[dict] = [
    {
        "slug": "skincare",
        "name": "Skincare",
        "description": (
            "Fragrance-free skincare made with postbiotic ferments and barrier-friendly lipids, "
            "for skin that does best with a short, gentle routine."
        ),
        "position": 0,
        "parent": None,
    },
    {
        "slug": "supplements",
        "name": "Supplements",
        "description": (
            "Food supplements that combine live bacterial cultures, prebiotic fibres and a few "
            "carefully chosen vitamins and minerals."
        ),
        "position": 1,
        "parent": None,
    },
    {
        "slug": "moisturisers",
        "name": "Moisturisers",
        "description": (
            "Creams, gel-creams and balms that hold in moisture and keep the skin barrier "
            "comfortable from morning to night."
        ),
        "position": 0,
        "parent": "skincare",
    },
    {
        "slug": "cleansers",
        "name": "Cleansers",
        "description": (
            "Low-foam and non-foaming cleansers that lift away sunscreen, make-up and the day "
            "without leaving skin tight."
        ),
        "position": 1,
        "parent": "skincare",
    },
    {
        "slug": "serums",
        "name": "Serums",
        "description": (
            "Light, concentrated layers for under your moisturiser, each built around a small "
            "number of hard-working ingredients."
        ),
        "position": 2,
        "parent": "skincare",
    },
    {
        "slug": "synbiotics",
        "name": "Synbiotics",
        "description": (
            "Stick sachets that pair live bacterial cultures with prebiotic fibre in a single "
            "daily serving. Stir into a cool drink or yoghurt."
        ),
        "position": 0,
        "parent": "supplements",
    },
    {
        "slug": "capsules",
        "name": "Capsules",
        "description": (
            "Small, easy-to-swallow capsules of live cultures, vitamins and minerals, all in "
            "plant-based shells."
        ),
        "position": 1,
        "parent": "supplements",
    },
]

CONCERNS: list[dict] = [
    {
        "slug": "acne",
        "name": "Acne and blemishes",
        "description": (
            "Lightweight formulas for oily skin prone to blemishes and congestion. Our products "
            "are cosmetics: for persistent or painful breakouts, please speak to a pharmacist "
            "or your GP."
        ),
        "position": 0,
    },
    {
        "slug": "rosacea",
        "name": "Rosacea",
        "description": (
            "Gentle products formulated for skin prone to redness and flushing, made without "
            "fragrance, essential oils, drying alcohol or cooling agents."
        ),
        "position": 1,
    },
    {
        "slug": "atopic-dermatitis",
        "name": "Atopic dermatitis / eczema",
        "description": (
            "Fragrance-free cleansers and moisturisers suitable for dry skin prone to atopic "
            "dermatitis, designed to support a comfortable skin barrier. Keep using anything "
            "your doctor has prescribed alongside them."
        ),
        "position": 2,
    },
    {
        "slug": "psoriasis",
        "name": "Psoriasis",
        "description": (
            "Rich, comforting textures suitable for very dry, rough or flaky skin prone to "
            "psoriasis, to use alongside the care your doctor or nurse recommends."
        ),
        "position": 3,
    },
    {
        "slug": "dry-sensitive-skin",
        "name": "Dry, sensitive skin",
        "description": (
            "Short ingredient lists for skin that feels tight, dry or easily irritated, built "
            "around ceramides, humectants and mild cleansing."
        ),
        "position": 4,
    },
]

FREE_FROM: list[dict] = [
    {"slug": "fragrance-free", "label": "Fragrance-free", "position": 0},
    {"slug": "vegan", "label": "Vegan", "position": 1},
    {"slug": "essential-oil-free", "label": "Essential-oil-free", "position": 2},
    {"slug": "gluten-free", "label": "Gluten-free", "position": 3},
    {"slug": "dairy-free", "label": "Dairy-free", "position": 4},
    {"slug": "alcohol-free", "label": "Alcohol-free", "position": 5},
]

SKINCARE_WARNINGS = (
    "For external use only. Patch test before first use: apply a small amount to the inner "
    "arm and wait 24 hours. Avoid contact with the eyes; if contact occurs, rinse well with "
    "water. Stop using if irritation develops. Keep out of reach of children."
)

SUPPLEMENT_WARNINGS = (
    "Food supplement. Do not exceed the recommended daily intake. Food supplements should "
    "not be used as a substitute for a varied, balanced diet and a healthy lifestyle. Keep "
    "out of reach of children. If you are pregnant, breastfeeding, taking medication or "
    "under medical supervision, consult your doctor before use. Store in a cool, dry place "
    "below 25 °C, away from direct sunlight."
)

_SKIN_FREE_FROM = ["fragrance-free", "vegan", "essential-oil-free", "alcohol-free"]
_PLANT_BASED_FREE_FROM = ["vegan", "gluten-free", "dairy-free"]


def _strain(genus: str, species: str, designation: str, cfu: int, guaranteed: bool = True) -> dict:
    return {
        "genus": genus,
        "species": species,
        "designation": designation,
        "cfu_per_serving": cfu,
        "guaranteed_to_best_before": guaranteed,
    }


def _nutrient(name: str, amount: str, unit: str, nrv_percent: int | None) -> dict:
    return {"name": name, "amount": amount, "unit": unit, "nrv_percent": nrv_percent}


def _variant(
    sku: str,
    size_label: str,
    price_pence: int,
    on_hand: int,
    weight_grams: int,
    compare_at_pence: int | None = None,
) -> dict:
    return {
        "sku": sku,
        "size_label": size_label,
        "price_pence": price_pence,
        "compare_at_pence": compare_at_pence,
        "on_hand": on_hand,
        "weight_grams": weight_grams,
    }


_BN = 1_000_000_000

PRODUCTS: list[dict] = [
    # ------------------------------------------------------------------ moisturisers
    {
        "slug": "probiotic-moisturiser",
        "name": "Probiotic Barrier Moisturiser",
        "category": "moisturisers",
        "short_description": (
            "Our everyday ceramide cream with Lactobacillus ferment and 2% niacinamide, for "
            "dry and sensitive skin that needs a comfortable barrier."
        ),
        "long_description": (
            "This is the cream the brand started with: a soft, quickly absorbed moisturiser "
            "for faces that feel tight, dry or reactive. Three skin-identical ceramides, "
            "cholesterol and squalane top up the lipids in the outer layer of the skin, while "
            "glycerin and hyaluronic acid draw in water.\n\n"
            "Lactobacillus ferment is a postbiotic: it is made by fermenting lactic acid "
            "bacteria and then filtering the culture, so it contains no live bacteria and stays "
            "stable in the jar. We pair it with 2% niacinamide, kept at a modest level so that "
            "it suits skin that tends to flush.\n\n"
            "No fragrance, no essential oils and no drying alcohol. It comes in a recyclable "
            "glass jar with a small spatula, so fingers stay out of the cream."
        ),
        "how_to_use": (
            "Morning and evening, smooth a pea-sized amount over clean face and neck. In the "
            "morning, follow with a broad-spectrum sunscreen. Also suitable for dry patches on "
            "the body."
        ),
        "warnings": SKINCARE_WARNINGS,
        "serving_size": "",
        "featured_rank": 1,
        "concerns": ["dry-sensitive-skin", "atopic-dermatitis", "rosacea"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "jar",
        "palette": ("#F3E6DA", "#7FA88E"),
        "image_alt": (
            "Illustration of a white jar of Probiotic Barrier Moisturiser with a sage green "
            "lid, on a soft peach background"
        ),
        "created_days_ago": 210,
        "variants": [
            _variant("PBM-50", "50 ml", 2400, 120, 210),
            _variant("PBM-100", "100 ml", 4000, 45, 330),
        ],
        "ingredients": [
            ("Aqua", "Solvent"),
            ("Glycerin", "Humectant"),
            ("Squalane", "Emollient"),
            ("Caprylic/Capric Triglyceride", "Emollient"),
            ("Cetearyl Alcohol", "Emulsion stabiliser"),
            ("Lactobacillus Ferment", "Postbiotic ferment"),
            ("Niacinamide", "Skin-conditioning"),
            ("Glyceryl Stearate", "Emulsifier"),
            ("Cetearyl Glucoside", "Emulsifier"),
            ("Ceramide NP", "Barrier lipid"),
            ("Ceramide AP", "Barrier lipid"),
            ("Ceramide EOP", "Barrier lipid"),
            ("Cholesterol", "Barrier lipid"),
            ("Phytosphingosine", "Skin-conditioning"),
            ("Sodium Hyaluronate", "Humectant"),
            ("Panthenol", "Skin-conditioning"),
            ("Xanthan Gum", "Thickener"),
            ("Tocopherol", "Antioxidant"),
            ("Sodium Phytate", "Chelating agent"),
            ("Phenoxyethanol", "Preservative"),
            ("Ethylhexylglycerin", "Preservative booster"),
        ],
        "strains": [],
        "nutrients": [],
    },
    {
        "slug": "oat-ceramide-rich-cream",
        "name": "Oat & Ceramide Rich Cream",
        "category": "moisturisers",
        "short_description": (
            "A thick, cushioning cream with colloidal oatmeal, shea butter and a postbiotic "
            "ferment lysate, for very dry, rough or flaky skin on the face and body."
        ),
        "long_description": (
            "When skin is rough to the touch, a light lotion rarely feels like enough. This "
            "cream is deliberately rich: shea butter and sunflower seed oil soften and cushion, "
            "while colloidal oatmeal soothes the tight, itchy feeling that often comes with "
            "dryness.\n\n"
            "Ceramide NP and a Lactobacillus ferment lysate work with the oils to help skin "
            "hold on to its moisture, and a generous dose of glycerin keeps the finish from "
            "feeling greasy once it has sunk in.\n\n"
            "It is suitable for skin prone to eczema and psoriasis, and makes a good overnight "
            "layer on hands, elbows and knees."
        ),
        "how_to_use": (
            "Apply generously to dry areas of the face and body as often as needed, massaging "
            "until absorbed. For very dry hands, apply a thicker layer at bedtime and wear "
            "cotton gloves overnight."
        ),
        "warnings": (
            SKINCARE_WARNINGS + " Contains oat: do not use if you have a known oat allergy."
        ),
        "serving_size": "",
        "featured_rank": None,
        "concerns": ["psoriasis", "atopic-dermatitis", "dry-sensitive-skin"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "jar",
        "palette": ("#F1EBDD", "#B59A6A"),
        "image_alt": (
            "Illustration of a cream jar of Oat & Ceramide Rich Cream with an oat-coloured lid, "
            "on a pale sand background"
        ),
        "created_days_ago": 160,
        "variants": [
            _variant("OCR-50", "50 ml", 2600, 60, 220),
            _variant("OCR-200", "200 ml", 4800, 0, 260),
        ],
        "ingredients": [
            ("Aqua", "Solvent"),
            ("Glycerin", "Humectant"),
            ("Butyrospermum Parkii Butter", "Emollient"),
            ("Helianthus Annuus Seed Oil", "Emollient"),
            ("Cetearyl Alcohol", "Emulsion stabiliser"),
            ("Avena Sativa Kernel Flour", "Soothing (colloidal oatmeal)"),
            ("Glyceryl Stearate Citrate", "Emulsifier"),
            ("Lactobacillus Ferment Lysate", "Postbiotic ferment"),
            ("Ceramide NP", "Barrier lipid"),
            ("Panthenol", "Skin-conditioning"),
            ("Allantoin", "Soothing"),
            ("Sodium Stearoyl Glutamate", "Emulsifier"),
            ("Tocopherol", "Antioxidant"),
            ("Xanthan Gum", "Thickener"),
            ("Sodium Benzoate", "Preservative"),
            ("Potassium Sorbate", "Preservative"),
            ("Citric Acid", "pH adjuster"),
        ],
        "strains": [],
        "nutrients": [],
    },
    {
        "slug": "balancing-gel-cream",
        "name": "Balancing Gel Cream",
        "category": "moisturisers",
        "short_description": (
            "A weightless gel-cream with 4% niacinamide, zinc PCA and a Lactococcus ferment, "
            "for oily, blemish-prone skin that still needs moisture."
        ),
        "long_description": (
            "Oily skin still loses water, and skipping moisturiser can leave it feeling tight "
            "and shiny at the same time. This gel-cream hydrates with glycerin and a light, "
            "plant-derived emollient, then sinks in to a soft matte finish that sits well under "
            "sunscreen and make-up.\n\n"
            "Niacinamide at 4% and zinc PCA help to keep excess shine in check and leave the "
            "complexion looking more even, while Lactococcus ferment lysate keeps the skin "
            "feeling calm and comfortable.\n\n"
            "We left out heavy butters and thick oils, so there is nothing that lingers on the "
            "surface of the skin."
        ),
        "how_to_use": (
            "Apply a thin layer to clean skin morning and evening. Follow with sunscreen in the "
            "morning. If you also use an exfoliating acid, use it at a different time of day "
            "at first."
        ),
        "warnings": SKINCARE_WARNINGS,
        "serving_size": "",
        "featured_rank": None,
        "concerns": ["acne"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "jar",
        "palette": ("#E3F0EC", "#4F9A8A"),
        "image_alt": (
            "Illustration of a jar of Balancing Gel Cream with a teal lid, on a pale mint "
            "background"
        ),
        "created_days_ago": 45,
        "variants": [_variant("BGC-50", "50 ml", 2200, 85, 190)],
        "ingredients": [
            ("Aqua", "Solvent"),
            ("Glycerin", "Humectant"),
            ("Niacinamide", "Skin-conditioning"),
            ("Propanediol", "Humectant"),
            ("Coco-Caprylate/Caprate", "Emollient"),
            ("Zinc PCA", "Skin-conditioning"),
            ("Lactococcus Ferment Lysate", "Postbiotic ferment"),
            ("Sodium Hyaluronate", "Humectant"),
            ("Carbomer", "Gelling agent"),
            ("Allantoin", "Soothing"),
            ("Sodium Hydroxide", "pH adjuster"),
            ("Sodium Phytate", "Chelating agent"),
            ("Phenoxyethanol", "Preservative"),
            ("Ethylhexylglycerin", "Preservative booster"),
        ],
        "strains": [],
        "nutrients": [],
    },
    {
        "slug": "overnight-squalane-balm",
        "name": "Overnight Squalane Balm",
        "category": "moisturisers",
        "short_description": (
            "A water-free balm of squalane, shea butter and candelilla wax that melts on "
            "contact, for dry patches, lips and the edges of the nose."
        ),
        "long_description": (
            "Some nights skin needs a protective seal rather than another layer of cream. This "
            "balm is made without water: plant-derived squalane, shea butter and sunflower oil "
            "are set with a little candelilla wax, so it is firm in the jar and melts as soon "
            "as it touches warm skin.\n\n"
            "A powdered Lactobacillus ferment and bisabolol are added for a calm, comfortable "
            "finish. Press a thin layer over your moisturiser as the last step at night, or use "
            "it during the day on chapped cheeks, lips and cuticles.\n\n"
            "Because it is so concentrated, a 30 ml jar lasts far longer than you might expect."
        ),
        "how_to_use": (
            "Warm a small amount between your fingertips and press onto the skin as the last "
            "step of your evening routine. Use on its own on lips, cuticles and dry patches "
            "whenever they feel tight."
        ),
        "warnings": SKINCARE_WARNINGS,
        "serving_size": "",
        "featured_rank": None,
        "concerns": ["dry-sensitive-skin", "psoriasis", "atopic-dermatitis"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "jar",
        "palette": ("#EEE6F0", "#9C7FA6"),
        "image_alt": (
            "Illustration of a small jar of Overnight Squalane Balm with a mauve lid, on a pale "
            "lilac background"
        ),
        "created_days_ago": 20,
        "variants": [_variant("OSB-30", "30 ml", 1800, 3, 120)],
        "ingredients": [
            ("Squalane", "Emollient"),
            ("Butyrospermum Parkii Butter", "Emollient"),
            ("Helianthus Annuus Seed Oil", "Emollient"),
            ("Caprylic/Capric Triglyceride", "Emollient"),
            ("Euphorbia Cerifera Cera", "Thickener (candelilla wax)"),
            ("Lactobacillus Ferment", "Postbiotic ferment"),
            ("Bisabolol", "Soothing"),
            ("Tocopherol", "Antioxidant"),
        ],
        "strains": [],
        "nutrients": [],
    },
    # --------------------------------------------------------------------- cleansers
    {
        "slug": "gentle-cream-cleanser",
        "name": "Gentle Cream Cleanser",
        "category": "cleansers",
        "short_description": (
            "A non-foaming cream cleanser with oat kernel oil and a postbiotic ferment that "
            "removes sunscreen and light make-up without leaving skin tight."
        ),
        "long_description": (
            "Foaming washes can be hard work for dry or reactive skin. This lotion-textured "
            "cleanser uses a small amount of a mild, sugar-derived cleansing agent in a creamy "
            "base, so it loosens sunscreen, make-up and the grime of the day and rinses away "
            "cleanly with lukewarm water.\n\n"
            "Glycerin, oat kernel oil and Lactobacillus ferment stay behind to leave the skin "
            "soft rather than squeaky. It is mild enough to use twice a day, including around "
            "the eyes.\n\n"
            "Skin prone to redness or eczema often reacts to fragrance, so, like everything we "
            "make, it contains none."
        ),
        "how_to_use": (
            "Massage a hazelnut-sized amount over dry or damp skin for about 30 seconds, then "
            "rinse with lukewarm water or remove with a damp cloth. Use morning and evening."
        ),
        "warnings": SKINCARE_WARNINGS,
        "serving_size": "",
        "featured_rank": 4,
        "concerns": ["dry-sensitive-skin", "atopic-dermatitis", "rosacea"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "tube",
        "palette": ("#E4EEF0", "#6F9FB0"),
        "image_alt": (
            "Illustration of a white tube of Gentle Cream Cleanser with a powder blue cap, on a "
            "pale blue background"
        ),
        "created_days_ago": 190,
        "variants": [
            _variant("GCC-150", "150 ml", 1600, 140, 185),
            _variant("GCC-300", "300 ml", 2600, 55, 345),
        ],
        "ingredients": [
            ("Aqua", "Solvent"),
            ("Glycerin", "Humectant"),
            ("Caprylic/Capric Triglyceride", "Emollient"),
            ("Avena Sativa Kernel Oil", "Emollient"),
            ("Cetearyl Alcohol", "Emulsion stabiliser"),
            ("Coco-Glucoside", "Mild cleansing agent"),
            ("Glyceryl Stearate", "Emulsifier"),
            ("Lactobacillus Ferment", "Postbiotic ferment"),
            ("Panthenol", "Skin-conditioning"),
            ("Sodium Stearoyl Glutamate", "Emulsifier"),
            ("Xanthan Gum", "Thickener"),
            ("Tocopherol", "Antioxidant"),
            ("Sodium Benzoate", "Preservative"),
            ("Potassium Sorbate", "Preservative"),
            ("Citric Acid", "pH adjuster"),
        ],
        "strains": [],
        "nutrients": [],
    },
    {
        "slug": "clarifying-gel-cleanser",
        "name": "Clarifying Gel Cleanser",
        "category": "cleansers",
        "short_description": (
            "A low-foam gel wash with 0.5% salicylic acid and zinc PCA that clears away excess "
            "oil from blemish-prone skin without stripping it."
        ),
        "long_description": (
            "Made for oily, congestion-prone skin, this clear gel works up into a light lather "
            "that lifts away oil and sunscreen. Salicylic acid at 0.5% helps to keep pores "
            "clear, and because it is rinsed off after a minute it suits daily use better than "
            "a strong leave-on exfoliant.\n\n"
            "Zinc PCA helps to control shine, while glycerin and a Lactobacillus ferment stop "
            "the skin from feeling tight afterwards. Mild amino-acid cleansing agents keep the "
            "wash at a skin-friendly pH of around 5."
        ),
        "how_to_use": (
            "Wet the face, massage a small amount over the skin for up to a minute, paying "
            "attention to the T-zone, then rinse well. Use once a day to begin with, building "
            "up to twice a day if your skin is comfortable."
        ),
        "warnings": (
            "Contains salicylic acid. Not to be used for children under 3 years of age. "
            + SKINCARE_WARNINGS
            + " Use a sunscreen during the day while using this product."
        ),
        "serving_size": "",
        "featured_rank": None,
        "concerns": ["acne"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "tube",
        "palette": ("#E2EEE8", "#3F8F7A"),
        "image_alt": (
            "Illustration of a tube of Clarifying Gel Cleanser with a deep green cap, on a pale "
            "green background"
        ),
        "created_days_ago": 95,
        "variants": [_variant("CGC-150", "150 ml", 1360, 90, 180, compare_at_pence=1700)],
        "ingredients": [
            ("Aqua", "Solvent"),
            ("Sodium Cocoyl Glycinate", "Mild cleansing agent"),
            ("Glycerin", "Humectant"),
            ("Cocamidopropyl Betaine", "Mild cleansing agent"),
            ("Propanediol", "Humectant"),
            ("Salicylic Acid", "Exfoliant"),
            ("Zinc PCA", "Skin-conditioning"),
            ("Lactobacillus Ferment", "Postbiotic ferment"),
            ("Allantoin", "Soothing"),
            ("Hydroxyethylcellulose", "Thickener"),
            ("Sodium Hydroxide", "pH adjuster"),
            ("Sodium Benzoate", "Preservative"),
            ("Potassium Sorbate", "Preservative"),
        ],
        "strains": [],
        "nutrients": [],
    },
    {
        "slug": "prebiotic-cleansing-milk",
        "name": "Prebiotic Cleansing Milk",
        "category": "cleansers",
        "short_description": (
            "A fluid cleansing milk with inulin and alpha-glucan oligosaccharide that melts "
            "away make-up and can be rinsed off or removed with a cloth."
        ),
        "long_description": (
            "A cleansing milk is the gentlest way we know to clean the face at the end of the "
            "day: no scrubbing, no foam and no tight feeling afterwards. This one is a fluid "
            "emulsion of light plant oils that dissolves make-up and mascara, then rinses off "
            "or wipes away with a soft cloth.\n\n"
            "Rather than ferments, it carries two prebiotic sugars, inulin and alpha-glucan "
            "oligosaccharide, which are used in skincare to help maintain a balanced community "
            "of bacteria on the skin's surface.\n\n"
            "The texture is light enough for combination skin and comfortable on skin prone to "
            "redness."
        ),
        "how_to_use": (
            "Shake gently. Smooth over dry skin with your fingertips, including over closed "
            "eyes to remove mascara, then remove with a warm, damp cloth or rinse. Follow with "
            "a second cleanse if you wear long-wear make-up."
        ),
        "warnings": SKINCARE_WARNINGS,
        "serving_size": "",
        "featured_rank": None,
        "concerns": ["rosacea", "dry-sensitive-skin"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "tube",
        "palette": ("#F6E8E6", "#C98B86"),
        "image_alt": (
            "Illustration of a tube of Prebiotic Cleansing Milk with a dusky pink cap, on a "
            "blush background"
        ),
        "created_days_ago": 30,
        "variants": [_variant("PCM-200", "200 ml", 1800, 70, 230)],
        "ingredients": [
            ("Aqua", "Solvent"),
            ("Caprylic/Capric Triglyceride", "Emollient"),
            ("Glycerin", "Humectant"),
            ("Helianthus Annuus Seed Oil", "Emollient"),
            ("Polyglyceryl-4 Caprate", "Emulsifier"),
            ("Cetearyl Alcohol", "Emulsion stabiliser"),
            ("Inulin", "Prebiotic"),
            ("Alpha-Glucan Oligosaccharide", "Prebiotic"),
            ("Glyceryl Stearate", "Emulsifier"),
            ("Panthenol", "Skin-conditioning"),
            ("Xanthan Gum", "Thickener"),
            ("Sodium Phytate", "Chelating agent"),
            ("Phenoxyethanol", "Preservative"),
            ("Ethylhexylglycerin", "Preservative booster"),
        ],
        "strains": [],
        "nutrients": [],
    },
    # ------------------------------------------------------------------------ serums
    {
        "slug": "postbiotic-recovery-serum",
        "name": "Postbiotic Recovery Serum",
        "category": "serums",
        "short_description": (
            "A watery serum with 10% Lactococcus and Bifida ferment lysates, panthenol and "
            "two sizes of hyaluronic acid, for stressed, dehydrated skin."
        ),
        "long_description": (
            "Our most concentrated postbiotic formula: ten per cent ferment lysates from "
            "Lactococcus and Bifidobacterium cultures, filtered so that no live bacteria "
            "remain. They give the skin a calm, comfortable feel and help it look more "
            "resilient.\n\n"
            "Panthenol (provitamin B5) and sodium hyaluronate in two molecular sizes give an "
            "immediate boost of moisture, and the fluid texture layers easily under any of our "
            "moisturisers.\n\n"
            "Reach for it when your skin feels over-exfoliated, wind-burnt or simply parched, "
            "or keep it in your routine every day."
        ),
        "how_to_use": (
            "Apply 3 to 4 drops to clean, slightly damp skin morning and evening, then follow "
            "with moisturiser. Keep the pipette clean and replace the cap straight after use."
        ),
        "warnings": SKINCARE_WARNINGS,
        "serving_size": "",
        "featured_rank": 2,
        "concerns": ["dry-sensitive-skin", "atopic-dermatitis", "rosacea"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "dropper",
        "palette": ("#F4E9E4", "#C07A5E"),
        "image_alt": (
            "Illustration of a terracotta glass dropper bottle of Postbiotic Recovery Serum, "
            "with a single drop beside it, on a warm cream background"
        ),
        "created_days_ago": 120,
        "variants": [
            _variant("PRS-30", "30 ml", 3200, 75, 120),
            _variant("PRS-50", "50 ml", 4600, 25, 160),
        ],
        "ingredients": [
            ("Aqua", "Solvent"),
            ("Lactococcus Ferment Lysate", "Postbiotic ferment"),
            ("Bifida Ferment Lysate", "Postbiotic ferment"),
            ("Glycerin", "Humectant"),
            ("Propanediol", "Humectant"),
            ("Panthenol", "Skin-conditioning"),
            ("Betaine", "Humectant"),
            ("Sodium Hyaluronate", "Humectant"),
            ("Hydrolyzed Sodium Hyaluronate", "Humectant"),
            ("Allantoin", "Soothing"),
            ("Xanthan Gum", "Thickener"),
            ("Sodium Phytate", "Chelating agent"),
            ("Sodium Benzoate", "Preservative"),
            ("Potassium Sorbate", "Preservative"),
            ("Citric Acid", "pH adjuster"),
        ],
        "strains": [],
        "nutrients": [],
    },
    {
        "slug": "niacinamide-serum",
        "name": "Niacinamide 5% Serum",
        "category": "serums",
        "short_description": (
            "A lightweight 5% niacinamide serum with zinc PCA and a Lactobacillus ferment that "
            "refines the look of pores and reduces shine on blemish-prone skin."
        ),
        "long_description": (
            "Niacinamide, a form of vitamin B3, is one of the most dependable ingredients for "
            "oily skin: it helps to reduce the look of enlarged pores and keeps shine under "
            "control. We use it at 5%, a level that is usually well tolerated, rather than the "
            "very high strengths that can leave sensitive skin tingling.\n\n"
            "Zinc PCA adds to the mattifying effect, and glycerin with a Lactobacillus ferment "
            "keeps the skin hydrated so it feels balanced rather than dried out.\n\n"
            "It pairs well with the Clarifying Gel Cleanser and Balancing Gel Cream, and can "
            "be used alongside vitamin C or retinol products."
        ),
        "how_to_use": (
            "After cleansing, apply 3 drops over the whole face in the morning, evening or "
            "both, before moisturiser. Start once a day if your skin is sensitive."
        ),
        "warnings": SKINCARE_WARNINGS,
        "serving_size": "",
        "featured_rank": None,
        "concerns": ["acne"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "dropper",
        "palette": ("#E6EEF4", "#5F86A8"),
        "image_alt": (
            "Illustration of a blue glass dropper bottle of Niacinamide 5% Serum on a pale "
            "blue-grey background"
        ),
        "created_days_ago": 70,
        "variants": [_variant("NS-30", "30 ml", 2200, 110, 110)],
        "ingredients": [
            ("Aqua", "Solvent"),
            ("Niacinamide", "Skin-conditioning"),
            ("Propanediol", "Humectant"),
            ("Glycerin", "Humectant"),
            ("Zinc PCA", "Skin-conditioning"),
            ("Lactobacillus Ferment", "Postbiotic ferment"),
            ("Pentylene Glycol", "Humectant"),
            ("Tamarindus Indica Seed Gum", "Film former"),
            ("Xanthan Gum", "Thickener"),
            ("Sodium Phytate", "Chelating agent"),
            ("Phenoxyethanol", "Preservative"),
            ("Ethylhexylglycerin", "Preservative booster"),
        ],
        "strains": [],
        "nutrients": [],
    },
    {
        "slug": "centella-calm-serum",
        "name": "Centella Calm Serum",
        "category": "serums",
        "short_description": (
            "A cooling water-gel serum with centella asiatica, madecassoside and a Lactococcus "
            "ferment, formulated for skin prone to redness and flushing."
        ),
        "long_description": (
            "Centella asiatica, also known as tiger grass or gotu kola, has a long history in "
            "skincare for calming the look of redness. This serum combines a centella leaf "
            "extract with madecassoside, one of the plant's purified compounds, in a light "
            "water-gel.\n\n"
            "A Lactococcus ferment lysate and allantoin help the skin feel settled and "
            "comfortable, and a touch of hyaluronic acid keeps it hydrated without any "
            "heaviness.\n\n"
            "There are no acids, fragrance, essential oils or menthol-type cooling agents, "
            "which makes it a considerate first serum for skin prone to rosacea."
        ),
        "how_to_use": (
            "Smooth 3 to 4 drops over clean skin morning and evening, concentrating on areas "
            "that look red. Follow with moisturiser, and sunscreen in the morning. Keep it in "
            "the fridge for an extra cooling feel."
        ),
        "warnings": SKINCARE_WARNINGS,
        "serving_size": "",
        "featured_rank": 6,
        "concerns": ["rosacea", "dry-sensitive-skin"],
        "free_from": _SKIN_FREE_FROM,
        "kind": "dropper",
        "palette": ("#E7F0E4", "#6E9B63"),
        "image_alt": (
            "Illustration of a leaf-green glass dropper bottle of Centella Calm Serum on a "
            "pale green background"
        ),
        "created_days_ago": 12,
        "variants": [_variant("CCS-30", "30 ml", 2600, 40, 115)],
        "ingredients": [
            ("Aqua", "Solvent"),
            ("Centella Asiatica Leaf Extract", "Soothing"),
            ("Glycerin", "Humectant"),
            ("Propanediol", "Humectant"),
            ("Lactococcus Ferment Lysate", "Postbiotic ferment"),
            ("Madecassoside", "Soothing"),
            ("Allantoin", "Soothing"),
            ("Sodium Hyaluronate", "Humectant"),
            ("Panthenol", "Skin-conditioning"),
            ("Hydroxyethylcellulose", "Thickener"),
            ("Sodium Phytate", "Chelating agent"),
            ("Sodium Benzoate", "Preservative"),
            ("Potassium Sorbate", "Preservative"),
            ("Citric Acid", "pH adjuster"),
        ],
        "strains": [],
        "nutrients": [],
    },
    # -------------------------------------------------------------------- synbiotics
    {
        "slug": "synbiotic-sachets",
        "name": "Daily Synbiotic Sachets",
        "category": "synbiotics",
        "short_description": (
            "A daily stick sachet of four live cultures with chicory inulin and GOS, plus 10 mg "
            "of zinc, which contributes to normal immune function."
        ),
        "long_description": (
            "Each sachet pairs 13 billion live bacteria from four well-studied strains with "
            "3.7 g of prebiotic fibre, chicory inulin and galacto-oligosaccharides, so the "
            "cultures and the fibre arrive together in one easy serving.\n\n"
            "The powder is almost tasteless, with a faint natural sweetness from the fibre, and "
            "stirs into a glass of cool water, milk, kefir or yoghurt. Please avoid hot drinks, "
            "as heat harms live cultures.\n\n"
            "We added 10 mg of zinc, 100% of the nutrient reference value. Zinc contributes to "
            "the normal function of the immune system and to the maintenance of normal skin. "
            "The culture count is guaranteed until the best-before date when stored as "
            "directed."
        ),
        "how_to_use": (
            "Adults: empty one sachet into a glass of cool water or milk, or over a spoonful of "
            "yoghurt, and stir well. Take once a day, ideally with breakfast. If you are new to "
            "fibre supplements, take half a sachet a day for the first week."
        ),
        "warnings": (
            "Contains milk (the galacto-oligosaccharides are made from lactose). "
            + SUPPLEMENT_WARNINGS
        ),
        "serving_size": "1 sachet (4 g)",
        "featured_rank": 3,
        "concerns": ["acne"],
        "free_from": ["gluten-free"],
        "kind": "sachet",
        "palette": ("#EAF0E2", "#7E9C5B"),
        "image_alt": (
            "Illustration of a box of Daily Synbiotic Sachets with two olive green stick "
            "sachets leaning against it, on a pale green background"
        ),
        "created_days_ago": 240,
        "variants": [
            _variant("DSS-30", "30 sachets", 2900, 130, 160),
            _variant("DSS-60", "60 sachets", 5200, 48, 300),
        ],
        "ingredients": [
            ("Inulin (from chicory root)", "Prebiotic fibre"),
            ("Galacto-oligosaccharides (from milk)", "Prebiotic fibre"),
            ("Live bacterial cultures (4 strains)", "Live cultures"),
            ("Zinc gluconate", "Source of zinc"),
            ("Anti-caking agent: silicon dioxide", "Anti-caking agent"),
        ],
        "strains": [
            _strain("Lacticaseibacillus", "rhamnosus", "GG", 5 * _BN),
            _strain("Bifidobacterium", "animalis subsp. lactis", "BB-12", 5 * _BN),
            _strain("Lactobacillus", "acidophilus", "NCFM", 2 * _BN),
            _strain("Bifidobacterium", "longum", "BB536", 1 * _BN),
        ],
        "nutrients": [
            _nutrient("Inulin", "2.5", "g", None),
            _nutrient("Galacto-oligosaccharides", "1.2", "g", None),
            _nutrient("Zinc", "10", "mg", 100),
        ],
    },
    {
        "slug": "skin-synbiotic-sachets",
        "name": "Skin Synbiotic Sachets",
        "category": "synbiotics",
        "short_description": (
            "Live cultures and acacia fibre with zinc, niacin and biotin, nutrients that "
            "contribute to the maintenance of normal skin. Vegan and unflavoured."
        ),
        "long_description": (
            "Our skin-focused synbiotic combines 10 billion live bacteria from four strains "
            "with 2.6 g of acacia fibre, a gentle, slowly fermented prebiotic that most people "
            "find easy to get used to.\n\n"
            "Each sachet also provides zinc, niacin and biotin, which all contribute to the "
            "maintenance of normal skin, at amounts that sit comfortably alongside a normal "
            "diet.\n\n"
            "It is vegan and made without dairy or gluten, and the unflavoured powder "
            "dissolves almost clear in water or juice."
        ),
        "how_to_use": (
            "Adults: stir one sachet into a glass of cool water or juice and drink straight "
            "away. Take once a day with food."
        ),
        "warnings": SUPPLEMENT_WARNINGS,
        "serving_size": "1 sachet (3 g)",
        "featured_rank": None,
        "concerns": ["acne", "dry-sensitive-skin"],
        "free_from": _PLANT_BASED_FREE_FROM,
        "kind": "sachet",
        "palette": ("#F5E6E8", "#B76E79"),
        "image_alt": (
            "Illustration of a box of Skin Synbiotic Sachets with two rose pink stick sachets, "
            "on a pale pink background"
        ),
        "created_days_ago": 60,
        "variants": [_variant("SSS-30", "30 sachets", 3200, 65, 130)],
        "ingredients": [
            ("Acacia gum (Acacia senegal)", "Prebiotic fibre"),
            ("Live bacterial cultures (4 strains)", "Live cultures"),
            ("Zinc citrate", "Source of zinc"),
            ("Nicotinamide", "Source of niacin"),
            ("Anti-caking agent: silicon dioxide", "Anti-caking agent"),
            ("D-biotin", "Source of biotin"),
        ],
        "strains": [
            _strain("Lactiplantibacillus", "plantarum", "299v", 4 * _BN),
            _strain("Bifidobacterium", "animalis subsp. lactis", "Bl-04", 3 * _BN),
            _strain("Lacticaseibacillus", "paracasei", "Lpc-37", 2 * _BN),
            _strain("Streptococcus", "thermophilus", "", 1 * _BN, guaranteed=False),
        ],
        "nutrients": [
            _nutrient("Acacia fibre", "2.6", "g", None),
            _nutrient("Niacin", "16", "mg", 100),
            _nutrient("Zinc", "5", "mg", 50),
            _nutrient("Biotin", "50", "µg", 100),
        ],
    },
    {
        "slug": "travel-synbiotic-sachets",
        "name": "Travel Synbiotic Sachets",
        "category": "synbiotics",
        "short_description": (
            "A fortnight of slim sachets with live cultures, fructo-oligosaccharides and "
            "vitamin C, easy to pack for holidays and work trips."
        ),
        "long_description": (
            "Routines are the first thing to slip when you travel. These slim sachets need no "
            "fridge and fit in a wash bag or pocket, so you can keep taking your live cultures "
            "wherever you are.\n\n"
            "Each one carries 8 billion live bacteria, Lactiplantibacillus plantarum 299v and "
            "Limosilactobacillus reuteri DSM 17938, with 1.5 g of fructo-oligosaccharides and "
            "80 mg of vitamin C, which contributes to the normal function of the immune "
            "system.\n\n"
            "The powder has a mild, slightly sweet taste and can be taken straight from the "
            "sachet or stirred into cool water."
        ),
        "how_to_use": (
            "Adults: take one sachet a day, emptied onto the tongue or stirred into a glass of "
            "cool water. Start a few days before you leave and continue throughout your trip."
        ),
        "warnings": SUPPLEMENT_WARNINGS,
        "serving_size": "1 sachet (2 g)",
        "featured_rank": None,
        "concerns": [],
        "free_from": _PLANT_BASED_FREE_FROM,
        "kind": "sachet",
        "palette": ("#E5ECF5", "#5B7DB1"),
        "image_alt": (
            "Illustration of a box of Travel Synbiotic Sachets with two cornflower blue stick "
            "sachets, on a pale blue background"
        ),
        "created_days_ago": 8,
        "variants": [_variant("TSS-14", "14 sachets", 1400, 3, 60)],
        "ingredients": [
            ("Fructo-oligosaccharides (from chicory)", "Prebiotic fibre"),
            ("Rice maltodextrin", "Carrier"),
            ("Live bacterial cultures (2 strains)", "Live cultures"),
            ("L-ascorbic acid", "Source of vitamin C"),
            ("Anti-caking agent: silicon dioxide", "Anti-caking agent"),
        ],
        "strains": [
            _strain("Lactiplantibacillus", "plantarum", "299v", 5 * _BN),
            _strain("Limosilactobacillus", "reuteri", "DSM 17938", 3 * _BN),
        ],
        "nutrients": [
            _nutrient("Fructo-oligosaccharides", "1.5", "g", None),
            _nutrient("Vitamin C", "80", "mg", 100),
        ],
    },
    # ---------------------------------------------------------------------- capsules
    {
        "slug": "daily-live-cultures",
        "name": "Daily Live Cultures",
        "category": "capsules",
        "short_description": (
            "One small capsule a day with 20 billion live bacteria from five strains, in an "
            "acid-resistant plant capsule."
        ),
        "long_description": (
            "A straightforward daily live bacteria supplement: five strains of lactobacilli "
            "and bifidobacteria, 20 billion per capsule, with nothing added that does not need "
            "to be there.\n\n"
            "The shell is made from acid-resistant hydroxypropyl methylcellulose, designed to "
            "stay intact for longer in the stomach before it opens.\n\n"
            "Every batch is tested for its culture count, and the 20 billion figure is "
            "guaranteed until the best-before date, not only on the day it was made. No need "
            "to refrigerate: keep the pot closed in a cool, dry cupboard."
        ),
        "how_to_use": (
            "Adults: swallow one capsule a day with water, with or without food. If you are "
            "taking antibiotics, leave at least two hours between your dose and the capsule."
        ),
        "warnings": SUPPLEMENT_WARNINGS,
        "serving_size": "1 capsule",
        "featured_rank": 5,
        "concerns": [],
        "free_from": _PLANT_BASED_FREE_FROM,
        "kind": "capsules",
        "palette": ("#ECE7F3", "#8C78B4"),
        "image_alt": (
            "Illustration of a white pot of Daily Live Cultures with a lavender lid and a few "
            "two-tone capsules beside it, on a pale lilac background"
        ),
        "created_days_ago": 180,
        "variants": [
            _variant("DLC-30", "30 capsules", 1800, 150, 60),
            _variant("DLC-90", "90 capsules", 3825, 36, 110, compare_at_pence=4500),
        ],
        "ingredients": [
            ("Live bacterial cultures (5 strains)", "Live cultures"),
            ("Capsule shell: hydroxypropyl methylcellulose", "Capsule shell"),
            ("Bulking agent: microcrystalline cellulose", "Bulking agent"),
            ("Gellan gum", "Capsule shell"),
            ("Anti-caking agent: magnesium salts of fatty acids", "Anti-caking agent"),
        ],
        "strains": [
            _strain("Lacticaseibacillus", "rhamnosus", "GG", 6 * _BN),
            _strain("Lactobacillus", "acidophilus", "NCFM", 5 * _BN),
            _strain("Bifidobacterium", "animalis subsp. lactis", "HN019", 4 * _BN),
            _strain("Bifidobacterium", "longum", "BB536", 3 * _BN),
            _strain("Lactiplantibacillus", "plantarum", "299v", 2 * _BN),
        ],
        "nutrients": [],
    },
    {
        "slug": "high-strength-live-cultures",
        "name": "High Strength Live Cultures 50 Billion",
        "category": "capsules",
        "short_description": (
            "Our strongest capsule: 50 billion live bacteria from eight strains, guaranteed to "
            "the best-before date, for a few weeks of higher intake."
        ),
        "long_description": (
            "Some customers prefer a higher intake of live cultures for a few weeks at a time, "
            "then return to a daily product. This capsule is made for that: 50 billion "
            "bacteria from eight strains of lactobacilli and bifidobacteria.\n\n"
            "High counts are harder to keep stable, so each pot has a moisture-absorbing "
            "insert in the lid and a foil seal, and the count is guaranteed until the "
            "best-before date when stored below 25 °C.\n\n"
            "The capsules are vegan, with an acid-resistant plant shell."
        ),
        "how_to_use": (
            "Adults: take one capsule a day with a glass of water, ideally with breakfast. "
            "Take for four to eight weeks, then switch to Daily Live Cultures if you wish."
        ),
        "warnings": SUPPLEMENT_WARNINGS,
        "serving_size": "1 capsule",
        "featured_rank": None,
        "concerns": [],
        "free_from": _PLANT_BASED_FREE_FROM,
        "kind": "capsules",
        "palette": ("#E9ECF4", "#4E5D94"),
        "image_alt": (
            "Illustration of a white pot of High Strength Live Cultures with a navy lid and "
            "navy and white capsules, on a pale grey-blue background"
        ),
        "created_days_ago": 140,
        "variants": [
            _variant("HLC-30", "30 capsules", 2600, 70, 60),
            _variant("HLC-60", "60 capsules", 4400, 3, 85),
        ],
        "ingredients": [
            ("Live bacterial cultures (8 strains)", "Live cultures"),
            ("Capsule shell: hydroxypropyl methylcellulose", "Capsule shell"),
            ("Gellan gum", "Capsule shell"),
            ("Anti-caking agent: silicon dioxide", "Anti-caking agent"),
        ],
        "strains": [
            _strain("Lacticaseibacillus", "rhamnosus", "GG", 10 * _BN),
            _strain("Bifidobacterium", "animalis subsp. lactis", "BB-12", 10 * _BN),
            _strain("Lactobacillus", "acidophilus", "NCFM", 8 * _BN),
            _strain("Lactiplantibacillus", "plantarum", "299v", 6 * _BN),
            _strain("Bifidobacterium", "longum", "BB536", 6 * _BN),
            _strain("Lacticaseibacillus", "paracasei", "Lpc-37", 4 * _BN),
            _strain("Bifidobacterium", "breve", "M-16V", 3 * _BN),
            _strain("Limosilactobacillus", "reuteri", "DSM 17938", 3 * _BN),
        ],
        "nutrients": [],
    },
    {
        "slug": "skin-nutrients",
        "name": "Skin Nutrients Capsules",
        "category": "capsules",
        "short_description": (
            "A once-a-day capsule of zinc, selenium, biotin, niacin and vitamin C, nutrients "
            "that contribute to normal skin, hair and nails."
        ),
        "long_description": (
            "A compact multi-nutrient for people who want to look after their skin from the "
            "inside as well as the outside. Zinc and niacin contribute to the maintenance of "
            "normal skin, biotin to normal skin and hair, and selenium to normal hair and "
            "nails. Vitamin C contributes to normal collagen formation for the normal function "
            "of the skin.\n\n"
            "Every nutrient is at 100% of its nutrient reference value, so the capsule sits "
            "sensibly alongside a normal diet rather than piling on mega-doses.\n\n"
            "There are no live cultures in this product, which makes it an easy partner for "
            "our synbiotic sachets or live culture capsules."
        ),
        "how_to_use": "Adults: swallow one capsule a day with water and a meal.",
        "warnings": SUPPLEMENT_WARNINGS,
        "serving_size": "1 capsule",
        "featured_rank": None,
        "concerns": ["acne", "dry-sensitive-skin"],
        "free_from": _PLANT_BASED_FREE_FROM,
        "kind": "capsules",
        "palette": ("#F4ECE0", "#C2925A"),
        "image_alt": (
            "Illustration of a white pot of Skin Nutrients Capsules with an amber lid and "
            "amber and cream capsules, on a warm beige background"
        ),
        "created_days_ago": 100,
        "variants": [
            _variant("SN-60", "60 capsules", 1600, 0, 70),
            _variant("SN-120", "120 capsules", 2800, 44, 110),
        ],
        "ingredients": [
            ("Bulking agent: microcrystalline cellulose", "Bulking agent"),
            ("L-ascorbic acid", "Source of vitamin C"),
            ("Capsule shell: hydroxypropyl methylcellulose", "Capsule shell"),
            ("Zinc citrate", "Source of zinc"),
            ("Nicotinamide", "Source of niacin"),
            ("Anti-caking agent: magnesium salts of fatty acids", "Anti-caking agent"),
            ("L-selenomethionine", "Source of selenium"),
            ("D-biotin", "Source of biotin"),
        ],
        "strains": [],
        "nutrients": [
            _nutrient("Vitamin C", "80", "mg", 100),
            _nutrient("Niacin", "16", "mg", 100),
            _nutrient("Zinc", "10", "mg", 100),
            _nutrient("Selenium", "55", "µg", 100),
            _nutrient("Biotin", "50", "µg", 100),
        ],
    },
    {
        "slug": "live-cultures-vitamin-d",
        "name": "Live Cultures + Vitamin D3",
        "category": "capsules",
        "short_description": (
            "Three strains of live bacteria with 10 µg of vitamin D3 from lichen, which "
            "contributes to the normal function of the immune system."
        ),
        "long_description": (
            "UK health advice is for everyone to consider a daily 10 microgram vitamin D "
            "supplement in autumn and winter, when there is too little sunlight for the skin "
            "to make enough. We combined that amount with 10 billion live bacteria so both fit "
            "into a single capsule.\n\n"
            "The vitamin D3 comes from lichen rather than sheep's wool, so the capsule is "
            "suitable for vegans. Vitamin D contributes to the normal function of the immune "
            "system and to the maintenance of normal bones.\n\n"
            "The three strains are Lacticaseibacillus rhamnosus GG, Bifidobacterium animalis "
            "subsp. lactis BB-12 and Lactobacillus acidophilus NCFM."
        ),
        "how_to_use": "Adults: swallow one capsule a day with water, preferably with a meal.",
        "warnings": SUPPLEMENT_WARNINGS,
        "serving_size": "1 capsule",
        "featured_rank": None,
        "concerns": [],
        "free_from": _PLANT_BASED_FREE_FROM,
        "kind": "capsules",
        "palette": ("#F5EFD9", "#D1A13B"),
        "image_alt": (
            "Illustration of a white pot of Live Cultures + Vitamin D3 with a sunshine yellow "
            "lid and yellow capsules, on a pale butter background"
        ),
        "created_days_ago": 35,
        "variants": [_variant("LCD-60", "60 capsules", 2200, 95, 75)],
        "ingredients": [
            ("Bulking agent: microcrystalline cellulose", "Bulking agent"),
            ("Live bacterial cultures (3 strains)", "Live cultures"),
            ("Capsule shell: hydroxypropyl methylcellulose", "Capsule shell"),
            ("Vitamin D3 (cholecalciferol, from lichen)", "Source of vitamin D"),
            ("Anti-caking agent: silicon dioxide", "Anti-caking agent"),
        ],
        "strains": [
            _strain("Lacticaseibacillus", "rhamnosus", "GG", 4 * _BN),
            _strain("Bifidobacterium", "animalis subsp. lactis", "BB-12", 4 * _BN),
            _strain("Lactobacillus", "acidophilus", "NCFM", 2 * _BN),
        ],
        "nutrients": [_nutrient("Vitamin D", "10", "µg", 200)],
    },
]
