"""Key facts of the demo products: highlights, texture or format, time to a change,
questions and answers, and the products staff pair with each (shop.catalogue.demo).

Written as a small brand would: claims kept to what the formula and the UK's authorised
health claims support, timings as "most people", never a promise."""

from __future__ import annotations

_PATCH_TEST = (
    "Is it suitable for sensitive skin?",
    "It is made without fragrance or essential oils and was tested on people with "
    "sensitive skin. Any skin can react to anything, so try it on a small patch of the "
    "inner arm for a couple of days before using it on the face.",
)
_PREGNANCY = (
    "Can I take it while pregnant or breastfeeding?",
    "The ingredients are generally considered suitable, but please check with your "
    "midwife, GP or pharmacist before starting any supplement while pregnant or "
    "breastfeeding.",
)
_LIVE_CULTURES_STORAGE = (
    "Does it need to be kept in the fridge?",
    "No. The strains are freeze-dried and packed to stay alive at room temperature up to "
    "the best-before date. Keep it somewhere cool and dry, away from the steam of a kettle.",
)
_WITH_ANTIBIOTICS = (
    "Can I take it with antibiotics?",
    "Yes, but take it at least two hours apart from the antibiotic, and ask your "
    "pharmacist if you take other medicines.",
)

KEY_FACTS: dict[str, dict] = {
    "probiotic-moisturiser": {
        "highlights": ["3 skin-identical ceramides", "2% niacinamide", "Lactobacillus ferment"],
        "texture": "Soft cream that sinks in within a minute; glass jar with a spatula",
        "time_to_results": "Comfort from the first use; a stronger-feeling barrier in 4 weeks",
        "questions": [
            _PATCH_TEST,
            (
                "Does it contain live bacteria?",
                "No. Lactobacillus ferment is a postbiotic: the culture is filtered, so the "
                "cream holds what the bacteria made, not the bacteria, and stays stable.",
            ),
            (
                "Can I use it around the eyes?",
                "Yes, pat a small amount on the bone around the eye, not on the lids.",
            ),
        ],
        "paired": ["gentle-cream-cleanser", "postbiotic-recovery-serum", "skin-synbiotic-sachets"],
    },
    "oat-ceramide-rich-cream": {
        "highlights": ["Colloidal oatmeal", "Shea butter", "Ferment lysate"],
        "texture": "Thick, cushioning cream for face and body; pump bottle",
        "time_to_results": "Rough patches feel smoother within 1 to 2 weeks",
        "questions": [
            _PATCH_TEST,
            (
                "Is it too rich for my face?",
                "It suits very dry faces, especially in winter. If your skin is combination, "
                "use it at night and the Balancing Gel Cream in the morning.",
            ),
        ],
        "paired": ["prebiotic-cleansing-milk", "overnight-squalane-balm"],
    },
    "balancing-gel-cream": {
        "highlights": ["4% niacinamide", "Zinc PCA", "Oil-free gel"],
        "texture": "Weightless gel-cream with a matte finish",
        "time_to_results": "Less shine within 2 weeks; fewer visible pores in 6 to 8 weeks",
        "questions": [
            (
                "Will it clog pores?",
                "It is oil-free and made with ingredients chosen for blemish-prone skin. "
                "Stop using it if you notice new breakouts.",
            ),
            (
                "Can I use it with my retinoid?",
                "Yes. Apply the retinoid first at night and the gel-cream over it.",
            ),
        ],
        "paired": ["clarifying-gel-cleanser", "niacinamide-serum"],
    },
    "overnight-squalane-balm": {
        "highlights": ["Water-free", "Plant squalane", "Melts on contact"],
        "texture": "Solid balm that melts into an oil; tin for a handbag",
        "time_to_results": "Dry lips and patches feel soft by the next morning",
        "questions": [
            (
                "Can I use it on cracked lips?",
                "Yes, it is made for lips and the dry edges of the nose. It is unflavoured.",
            ),
        ],
        "paired": ["oat-ceramide-rich-cream", "probiotic-moisturiser"],
    },
    "gentle-cream-cleanser": {
        "highlights": ["Non-foaming", "Oat kernel oil", "Removes sunscreen"],
        "texture": "Lotion-like cream you massage in and rinse off",
        "time_to_results": "Skin feels comfortable, not tight, from the first wash",
        "questions": [
            _PATCH_TEST,
            (
                "Does it remove waterproof mascara?",
                "Light make-up, yes. For waterproof mascara, use the Prebiotic Cleansing "
                "Milk on a cloth first.",
            ),
        ],
        "paired": ["probiotic-moisturiser", "centella-calm-serum"],
    },
    "clarifying-gel-cleanser": {
        "highlights": ["0.5% salicylic acid", "Zinc PCA", "Low-foam gel"],
        "texture": "Clear gel that lathers lightly",
        "time_to_results": "Less oily by midday within 2 weeks; clearer-looking skin in 6 weeks",
        "questions": [
            (
                "Can I use it every day?",
                "Start once a day in the evening; most people move to twice a day after a "
                "week or two. Use sunscreen in the day.",
            ),
        ],
        "paired": ["balancing-gel-cream", "niacinamide-serum"],
    },
    "prebiotic-cleansing-milk": {
        "highlights": ["Inulin prebiotic", "Rinse off or wipe off", "Melts make-up"],
        "texture": "Fluid milk for a cloth or damp hands",
        "time_to_results": "Soft, comfortable skin from the first use",
        "questions": [
            _PATCH_TEST,
            (
                "What does a prebiotic do on the skin?",
                "Inulin and alpha-glucan oligosaccharide are sugars the skin's usual bacteria "
                "can feed on. The milk cleans without stripping the skin.",
            ),
        ],
        "paired": ["oat-ceramide-rich-cream", "postbiotic-recovery-serum"],
    },
    "postbiotic-recovery-serum": {
        "highlights": ["10% ferment lysates", "2 sizes of hyaluronic acid", "Panthenol"],
        "texture": "Watery serum with a dropper",
        "time_to_results": "Plumper-feeling skin within a week; calmer-looking in 4 weeks",
        "questions": [
            _PATCH_TEST,
            (
                "Where does it go in my routine?",
                "After cleansing, before moisturiser, morning and evening. Three or four drops "
                "cover the face.",
            ),
        ],
        "paired": ["probiotic-moisturiser", "gentle-cream-cleanser"],
    },
    "niacinamide-serum": {
        "highlights": ["5% niacinamide", "Zinc PCA", "Lactobacillus ferment"],
        "texture": "Light serum that dries down quickly",
        "time_to_results": "Less shine in 2 weeks; smoother-looking pores in 8 weeks",
        "questions": [
            (
                "Can I use it with vitamin C?",
                "Yes. Older advice said not to, but the two are fine together in a routine.",
            ),
            (
                "It made my skin flush. Why?",
                "Some people flush with higher niacinamide. Use it every other day, or try "
                "the Probiotic Barrier Moisturiser, which has 2%.",
            ),
        ],
        "paired": ["balancing-gel-cream", "clarifying-gel-cleanser"],
    },
    "centella-calm-serum": {
        "highlights": ["Centella asiatica", "Madecassoside", "Cooling water-gel"],
        "texture": "Cooling water-gel serum",
        "time_to_results": "Feels soothing at once; less visible redness in 4 to 6 weeks",
        "questions": [
            _PATCH_TEST,
            (
                "Is it suitable for rosacea?",
                "It is formulated for skin prone to redness and flushing and has no fragrance "
                "or essential oils. It does not treat rosacea: see your GP for that.",
            ),
        ],
        "paired": ["probiotic-moisturiser", "gentle-cream-cleanser"],
    },
    "synbiotic-sachets": {
        "highlights": ["13 billion live cultures", "4 strains", "10 mg zinc", "3.7 g fibre"],
        "texture": "Unflavoured powder stick to stir into water or yoghurt",
        "time_to_results": "Give it 4 weeks of daily use: the gut changes slowly",
        "questions": [
            _LIVE_CULTURES_STORAGE,
            _WITH_ANTIBIOTICS,
            _PREGNANCY,
            (
                "Can I mix it into a hot drink?",
                "No: heat kills live bacteria. Stir it into something cold or lukewarm.",
            ),
        ],
        "paired": ["skin-nutrients", "probiotic-moisturiser"],
    },
    "skin-synbiotic-sachets": {
        "highlights": ["10 billion live cultures", "Acacia fibre", "Zinc, niacin and biotin"],
        "texture": "Unflavoured vegan powder stick",
        "time_to_results": "Give it 8 weeks of daily use, the time skin takes to renew",
        "questions": [_LIVE_CULTURES_STORAGE, _PREGNANCY, _WITH_ANTIBIOTICS],
        "paired": ["probiotic-moisturiser", "postbiotic-recovery-serum"],
    },
    "travel-synbiotic-sachets": {
        "highlights": ["8 billion live cultures", "80 mg vitamin C", "14 slim sachets"],
        "texture": "Slim powder sachets, no fridge needed",
        "time_to_results": "Start a few days before you travel and keep going while away",
        "questions": [_LIVE_CULTURES_STORAGE, _WITH_ANTIBIOTICS],
        "paired": ["synbiotic-sachets", "daily-live-cultures"],
    },
    "daily-live-cultures": {
        "highlights": ["20 billion live bacteria", "5 strains", "Acid-resistant capsule"],
        "texture": "One small plant capsule a day",
        "time_to_results": "Give it 4 weeks of daily use",
        "questions": [_LIVE_CULTURES_STORAGE, _WITH_ANTIBIOTICS, _PREGNANCY],
        "paired": ["skin-nutrients", "synbiotic-sachets"],
    },
    "high-strength-live-cultures": {
        "highlights": ["50 billion live bacteria", "8 strains", "Count guaranteed to best before"],
        "texture": "One plant capsule a day",
        "time_to_results": "Taken for 4 to 8 weeks at a time",
        "questions": [
            _LIVE_CULTURES_STORAGE,
            _WITH_ANTIBIOTICS,
            (
                "Is more always better?",
                "No. This is for a few weeks of higher intake; the Daily Live Cultures suit "
                "most people day to day.",
            ),
        ],
        "paired": ["daily-live-cultures", "skin-nutrients"],
    },
    "skin-nutrients": {
        "highlights": ["10 mg zinc", "55 µg selenium", "50 µg biotin", "80 mg vitamin C"],
        "texture": "One capsule a day, with food",
        "time_to_results": "Nails and skin renew slowly: give it 8 to 12 weeks",
        "questions": [
            _PREGNANCY,
            (
                "Can I take it with a multivitamin?",
                "Check the zinc and selenium in both: together they should stay under 25 mg "
                "of zinc and 300 µg of selenium a day.",
            ),
        ],
        "paired": ["synbiotic-sachets", "daily-live-cultures"],
    },
    "live-cultures-vitamin-d": {
        "highlights": ["10 billion live bacteria", "10 µg vitamin D3", "Vegan D3 from lichen"],
        "texture": "One plant capsule a day",
        "time_to_results": "Give it 4 weeks; in the UK, take vitamin D from October to March",
        "questions": [_LIVE_CULTURES_STORAGE, _PREGNANCY],
        "paired": ["skin-nutrients", "daily-live-cultures"],
    },
}
