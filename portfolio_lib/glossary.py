"""The course's terms in English, Turkish and Persian, with a one-line definition each.

The course material is Turkish; the notebooks take their Turkish labels from here
(for example :func:`stage_names` for the five customer journey stages) and the
README shows :func:`to_markdown` as its glossary table.

Each :class:`Term` records the chapter (1–6) where the course introduces it:

1. data collection (veri toplama),
2. segmentation (segmentasyon),
3. customer value: CLV and the value KPIs (müşteri değeri),
4. the customer journey (müşteri yolculuğu),
5. satisfaction (müşteri memnuniyeti),
6. portfolio strategy (portföy stratejisi).

Turkish is written with its own letters (ç, ğ, ı, İ, ö, ş, ü); Persian in Persian
script, with the Persian letters ی and ک and the zero-width non-joiner where a
Persian word needs it (for example بخش‌بندی).

Examples
--------
>>> from portfolio_lib import glossary
>>> glossary.turkish("churn_rate")
'Müşteri kaybı oranı'
>>> glossary.term("clv").persian
'ارزش طول عمر مشتری (CLV)'
>>> list(glossary.stage_names())
['discovery', 'first_contact', 'decision', 'purchase', 'deepening']
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "LANGUAGES",
    "STAGE_KEYS",
    "TERMS",
    "Term",
    "glossary_table",
    "stage_names",
    "term",
    "to_markdown",
    "turkish",
]

LANGUAGES: tuple[str, ...] = ("english", "turkish", "persian")
"""The languages every term is given in, in the order tables show them."""

STAGE_KEYS: tuple[str, ...] = ("discovery", "first_contact", "decision", "purchase", "deepening")
"""Keys of the five customer journey stages, in the order a customer passes them."""

CHAPTERS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)

_MARKDOWN_HEADER = ("Key", "English", "Turkish", "Persian", "Definition", "Chapter")


@dataclass(frozen=True, slots=True)
class Term:
    """One course term in three languages.

    Attributes
    ----------
    key : str
        Stable snake_case identifier used in code, e.g. ``"churn_rate"``.
    english, turkish, persian : str
        The term's name in each language (Turkish as the course writes it,
        Persian in Persian script).
    definition : str
        One plain English sentence saying what the term means.
    chapter : int
        Course chapter (1–6) where the term is introduced.

    Examples
    --------
    >>> t = Term("nps", "Net Promoter Score (NPS)", "Net tavsiye skoru (NPS)",
    ...          "شاخص خالص مروجان (NPS)", "Promoters minus detractors, in %.", 5)
    >>> t.turkish
    'Net tavsiye skoru (NPS)'
    """

    key: str
    english: str
    turkish: str
    persian: str
    definition: str
    chapter: int


TERMS: tuple[Term, ...] = (
    # 1 — data collection (veri toplama)
    Term(
        "customer_portfolio",
        "Customer portfolio",
        "Müşteri portföyü",
        "سبد مشتریان",
        "All of a company's current and potential customers, seen as assets of different value.",
        1,
    ),
    Term(
        "customer_portfolio_management",
        "Customer portfolio management",
        "Müşteri portföyü yönetimi",
        "مدیریت سبد مشتریان",
        "Grouping customers by value and needs and managing each group with its own strategy.",
        1,
    ),
    Term(
        "crm",
        "Customer relationship management (CRM)",
        "Müşteri ilişkileri yönetimi (CRM)",
        "مدیریت ارتباط با مشتری (CRM)",
        "The strategy, processes and software used to win, keep and grow profitable customers.",
        1,
    ),
    Term(
        "data_collection",
        "Customer data collection",
        "Veri toplama",
        "گردآوری داده‌های مشتری",
        "Systematically recording who customers are, what they buy and how they interact with us.",
        1,
    ),
    Term(
        "purchase_history",
        "Purchase history",
        "Satın alma geçmişi",
        "سابقه خرید",
        "The record of a customer's transactions: dates, products and amounts spent.",
        1,
    ),
    Term(
        "interaction_history",
        "Interaction history",
        "Etkileşim geçmişi",
        "سابقه تعاملات",
        "The record of every contact with a customer: visits, calls, e-mails, support requests.",
        1,
    ),
    Term(
        "preferences",
        "Customer preferences",
        "Müşteri tercihleri",
        "ترجیحات مشتری",
        "What a customer tends to choose: products, channels, times of day and price levels.",
        1,
    ),
    Term(
        "feedback",
        "Customer feedback",
        "Müşteri geri bildirimi",
        "بازخورد مشتری",
        "Opinions, ratings, complaints and suggestions customers give about products and service.",
        1,
    ),
    Term(
        "crm_database",
        "CRM database",
        "CRM veri tabanı",
        "پایگاه داده مشتریان (CRM)",
        "One central store linking each customer's details, transactions, contacts and feedback.",
        1,
    ),
    Term(
        "data_quality",
        "Data quality",
        "Veri kalitesi",
        "کیفیت داده‌ها",
        "How complete, accurate, consistent and up to date the customer data is.",
        1,
    ),
    # 2 — segmentation (segmentasyon)
    Term(
        "segmentation",
        "Segmentation",
        "Segmentasyon (pazar bölümlendirme)",
        "بخش‌بندی بازار",
        "Dividing customers into groups with similar needs, behaviour or value to serve each group differently.",
        2,
    ),
    Term(
        "demographic_segmentation",
        "Demographic segmentation",
        "Demografik segmentasyon",
        "بخش‌بندی جمعیت‌شناختی",
        "Segmentation by age, gender, income, education, occupation or family situation.",
        2,
    ),
    Term(
        "behavioural_segmentation",
        "Behavioural segmentation",
        "Davranışsal segmentasyon",
        "بخش‌بندی رفتاری",
        "Segmentation by what customers do: how often and how much they buy, usage and loyalty.",
        2,
    ),
    Term(
        "psychographic_segmentation",
        "Psychographic (attitudinal) segmentation",
        "Psikografik (tutumsal) segmentasyon",
        "بخش‌بندی روان‌شناختی (نگرشی)",
        "Segmentation by attitudes, values, interests and lifestyle, usually measured by survey.",
        2,
    ),
    Term(
        "rfm",
        "RFM analysis (recency, frequency, monetary value)",
        "RFM analizi (yenilik, sıklık, parasal değer)",
        "تحلیل RFM (تازگی، تکرار، ارزش پولی)",
        "Scoring customers by how recently, how often and how much they bought.",
        2,
    ),
    Term(
        "personalisation",
        "Personalisation",
        "Kişiselleştirme",
        "شخصی‌سازی",
        "Tailoring offers, messages and service to each customer's data and preferences.",
        2,
    ),
    Term(
        "profitable_customers",
        "Profitable customers",
        "Kârlı müşteriler",
        "مشتریان سودآور",
        "Customers whose revenue clearly exceeds the cost of winning and serving them.",
        2,
    ),
    Term(
        "loyal_customers",
        "Loyal customers",
        "Sadık müşteriler",
        "مشتریان وفادار",
        "Customers who buy again and again over a long time and prefer us to competitors.",
        2,
    ),
    Term(
        "potential_customers",
        "Potential customers",
        "Potansiyel müşteriler",
        "مشتریان بالقوه",
        "People or firms who buy little or nothing yet but could become valuable customers.",
        2,
    ),
    Term(
        "at_risk_customers",
        "At-risk customers",
        "Risk altındaki müşteriler",
        "مشتریان در معرض ریزش",
        "Customers whose activity is falling and who are likely to leave soon.",
        2,
    ),
    # 3 — customer value (müşteri değeri)
    Term(
        "clv",
        "Customer lifetime value (CLV)",
        "Müşteri yaşam boyu değeri (CLV)",
        "ارزش طول عمر مشتری (CLV)",
        "The present value of all future profit expected from a customer over the relationship.",
        3,
    ),
    Term(
        "retention_rate",
        "Retention rate",
        "Müşteri elde tutma oranı",
        "نرخ حفظ مشتری",
        "The share of customers at the start of a period who are still customers at its end.",
        3,
    ),
    Term(
        "churn_rate",
        "Churn rate",
        "Müşteri kaybı oranı",
        "نرخ ریزش مشتری",
        "The share of customers who stop buying or cancel during a period (1 minus retention rate).",
        3,
    ),
    Term(
        "cac",
        "Customer acquisition cost (CAC)",
        "Müşteri edinme maliyeti (CAC)",
        "هزینه جذب مشتری (CAC)",
        "Marketing and sales spending in a period divided by the number of new customers won.",
        3,
    ),
    Term(
        "profit_per_customer",
        "Profitability per customer",
        "Müşteri başına kârlılık",
        "سودآوری به ازای هر مشتری",
        "A customer's revenue minus the costs of winning and serving them, over a period.",
        3,
    ),
    Term(
        "kpi",
        "Key performance indicator (KPI)",
        "Anahtar performans göstergesi (KPI)",
        "شاخص کلیدی عملکرد (KPI)",
        "A measured number tracked against a business goal, such as retention rate or CAC.",
        3,
    ),
    Term(
        "pareto_principle",
        "Pareto principle (80/20 rule)",
        "Pareto ilkesi (80/20 kuralı)",
        "اصل پارتو (قاعده ۸۰/۲۰)",
        "A small share of customers (often about 20%) brings most of the revenue (often about 80%).",
        3,
    ),
    Term(
        "cohort",
        "Cohort",
        "Kohort",
        "کوهورت (گروه هم‌دوره)",
        "Customers who share a starting point, such as the month of first purchase, followed over time.",
        3,
    ),
    Term(
        "p_alive",
        "Probability alive, P(alive)",
        "Aktif olma olasılığı, P(alive)",
        "احتمال فعال بودن مشتری",
        "The model's probability that a customer has not yet silently stopped buying.",
        3,
    ),
    Term(
        "discount_rate",
        "Discount rate",
        "İskonto oranı",
        "نرخ تنزیل",
        "The rate per period by which future profit is reduced to its value today.",
        3,
    ),
    Term(
        "calibration_holdout",
        "Calibration and holdout periods",
        "Kalibrasyon ve sınama dönemleri",
        "دوره‌های واسنجی و آزمون",
        "Fit a model on an earlier period and check its predictions on a later, unseen one.",
        3,
    ),
    Term(
        "historical_clv",
        "Historical vs predictive CLV",
        "Geçmiş ve tahmini müşteri yaşam boyu değeri",
        "ارزش طول عمر گذشته و پیش‌بینی‌شده",
        "Profit a customer has already brought versus the profit a model expects from them.",
        3,
    ),
    Term(
        "value_tier",
        "Value tier",
        "Değer katmanı",
        "طبقه ارزشی مشتری",
        "A band of customers ranked by CLV (platinum, gold, silver, bronze) served at different cost.",
        3,
    ),
    # 4 — the customer journey (müşteri yolculuğu)
    Term(
        "customer_journey",
        "Customer journey",
        "Müşteri yolculuğu",
        "سفر مشتری",
        "The path a customer follows from first hearing of a company to buying and staying.",
        4,
    ),
    Term(
        "discovery",
        "Discovery",
        "Keşfetme",
        "کشف",
        "Journey stage 1: the customer notices a need and learns that the company exists.",
        4,
    ),
    Term(
        "first_contact",
        "First contact",
        "İlk temas",
        "نخستین تماس",
        "Journey stage 2: the customer's first direct interaction with the company.",
        4,
    ),
    Term(
        "decision",
        "Decision moment",
        "Karar anı",
        "لحظه تصمیم‌گیری",
        "Journey stage 3: the customer compares the options and decides whether to buy.",
        4,
    ),
    Term(
        "purchase",
        "Purchase",
        "Hizmet alımı",
        "خرید (دریافت خدمت)",
        "Journey stage 4: the customer buys the product or receives the service.",
        4,
    ),
    Term(
        "deepening",
        "Deepening",
        "Derinleşme",
        "تعمیق رابطه",
        "Journey stage 5: the relationship grows through repeat purchases, cross-sell and up-sell.",
        4,
    ),
    Term(
        "touchpoint",
        "Touchpoint",
        "Temas noktası",
        "نقطه تماس",
        "Any moment the customer meets the company: an advert, the website, a store, a call.",
        4,
    ),
    Term(
        "channel",
        "Channel",
        "Kanal",
        "کانال",
        "The route through which the company reaches or sells to customers: store, web, phone.",
        4,
    ),
    Term(
        "funnel",
        "Conversion funnel",
        "Dönüşüm hunisi",
        "قیف تبدیل",
        "How many customers reach each journey stage, showing where they drop out.",
        4,
    ),
    Term(
        "attribution",
        "Attribution",
        "Atıf",
        "انتساب",
        "Sharing the credit for a sale among the touchpoints or channels that led to it.",
        4,
    ),
    Term(
        "cross_sell",
        "Cross-sell",
        "Çapraz satış",
        "فروش متقاطع",
        "Selling an existing customer other, related products (e.g. insurance to a loan customer).",
        4,
    ),
    Term(
        "up_sell",
        "Up-sell",
        "Üst satış (yukarı satış)",
        "فروش ارتقایی",
        "Persuading a customer to buy a higher-value version of what they already buy.",
        4,
    ),
    # 5 — satisfaction (müşteri memnuniyeti)
    Term(
        "customer_satisfaction",
        "Customer satisfaction",
        "Müşteri memnuniyeti",
        "رضایت مشتری",
        "How far a customer's experience meets or exceeds what they expected.",
        5,
    ),
    Term(
        "nps",
        "Net Promoter Score (NPS)",
        "Net tavsiye skoru (NPS)",
        "شاخص خالص مروجان (NPS)",
        "Percent promoters minus percent detractors on a 0-10 'would you recommend us?' question.",
        5,
    ),
    Term(
        "promoter",
        "Promoter",
        "Destekçi",
        "مروج",
        "An NPS respondent who answers 9 or 10: enthusiastic and likely to recommend.",
        5,
    ),
    Term(
        "passive",
        "Passive",
        "Pasif",
        "منفعل",
        "An NPS respondent who answers 7 or 8: satisfied but not enthusiastic.",
        5,
    ),
    Term(
        "detractor",
        "Detractor",
        "Kötüleyen",
        "منتقد",
        "An NPS respondent who answers 0 to 6: unhappy and may speak badly of the company.",
        5,
    ),
    Term(
        "csat",
        "Customer satisfaction score (CSAT)",
        "Müşteri memnuniyeti skoru (CSAT)",
        "امتیاز رضایت مشتری (CSAT)",
        "The share of respondents giving a top rating (e.g. 4 or 5 of 5) to a satisfaction question.",
        5,
    ),
    Term(
        "periodic_survey",
        "Periodic survey",
        "Periyodik anket",
        "نظرسنجی دوره‌ای",
        "The same questionnaire repeated at fixed intervals to follow satisfaction over time.",
        5,
    ),
    Term(
        "complaint_analysis",
        "Complaint analysis",
        "Şikayet analizi",
        "تحلیل شکایات",
        "Classifying and counting complaints to find recurring problems and their causes.",
        5,
    ),
    Term(
        "mystery_shopping",
        "Mystery shopping",
        "Gizli müşteri",
        "خرید پنهان (مشتری پنهان)",
        "Trained people pose as ordinary customers and score the service against a checklist.",
        5,
    ),
    Term(
        "driver_analysis",
        "Key-driver analysis",
        "Memnuniyet etkenleri analizi",
        "تحلیل عوامل کلیدی رضایت",
        "Finding which attributes move overall satisfaction most, e.g. by dominance analysis.",
        5,
    ),
    Term(
        "reliability",
        "Reliability (Cronbach's alpha)",
        "Güvenilirlik (Cronbach alfa)",
        "پایایی (آلفای کرونباخ)",
        "How consistently the items of a survey scale measure the same thing.",
        5,
    ),
    # 6 — portfolio strategy (portföy stratejisi)
    Term(
        "value_loyalty_matrix",
        "Value-loyalty matrix",
        "Değer-sadakat matrisi",
        "ماتریس ارزش و وفاداری",
        "A 2x2 grid placing customers by value and loyalty, with a strategy for each cell.",
        6,
    ),
    Term(
        "loyalty_programme",
        "Loyalty programme",
        "Sadakat programı",
        "برنامه وفاداری",
        "A scheme that rewards repeat customers with points, discounts or privileges.",
        6,
    ),
    Term(
        "reward_points",
        "Reward points",
        "Puan (ödül puanı)",
        "امتیاز وفاداری",
        "Points customers earn with purchases and exchange for rewards in a loyalty programme.",
        6,
    ),
    Term(
        "campaign",
        "Campaign",
        "Kampanya",
        "کمپین",
        "A time-limited marketing action aimed at a chosen customer group with a clear goal.",
        6,
    ),
    Term(
        "win_back",
        "Win-back",
        "Müşteri geri kazanımı",
        "بازگرداندن مشتریان از دست‌رفته",
        "Actions that bring lapsed or lost customers back, such as a personal offer.",
        6,
    ),
    Term(
        "ab_test",
        "A/B test and uplift",
        "A/B testi ve artış etkisi",
        "آزمون A/B و اثر افزایشی",
        "Randomly split customers into treated and control groups; the outcome gap is the uplift.",
        6,
    ),
)
"""All course terms, grouped by chapter in the order the course introduces them."""

_BY_KEY: dict[str, Term] = {t.key: t for t in TERMS}


def _normalise_key(key: str) -> str:
    return key.strip().lower().replace("-", "_").replace(" ", "_")


def term(key: str) -> Term:
    """Look up one term by its key.

    Parameters
    ----------
    key : str
        The term's snake_case key, e.g. ``"churn_rate"``. Case, surrounding
        spaces and ``-``/space instead of ``_`` are forgiven (``"Cross-sell"``
        finds ``"cross_sell"``).

    Returns
    -------
    Term
        The term with that key.

    Raises
    ------
    KeyError
        If no term has that key; the message suggests the closest keys.

    Examples
    --------
    >>> term("cross-sell").turkish
    'Çapraz satış'
    >>> term("chrun_rate")
    Traceback (most recent call last):
    ...
    KeyError: "no glossary term 'chrun_rate'; did you mean 'churn_rate' or 'discount_rate'?"
    """
    if not isinstance(key, str):
        raise TypeError(f"glossary keys are strings, got {type(key).__name__}")
    normalised = _normalise_key(key)
    found = _BY_KEY.get(normalised)
    if found is not None:
        return found
    raise KeyError(_unknown_key_message(key, normalised))


def _unknown_key_message(key: str, normalised: str) -> str:
    keys = list(_BY_KEY)
    close = difflib.get_close_matches(normalised, keys, n=3, cutoff=0.6)
    # A fragment of a key ("churn", "sell") or a key inside the query ("nps_score")
    # is also a useful hint (fragments shorter than 3 letters match too much).
    if len(normalised) >= 3:
        close += [k for k in keys if (normalised in k or k in normalised) and k not in close]
    close = close[:5]
    if close:
        hint = " or ".join(repr(k) for k in close)
        return f"no glossary term {key!r}; did you mean {hint}?"
    return (
        f"no glossary term {key!r}; the {len(keys)} keys are listed in portfolio_lib.glossary.TERMS"
    )


def turkish(key: str) -> str:
    """The Turkish name of a term, as the course and the notebooks write it.

    Parameters
    ----------
    key : str
        The term's key (see :func:`term`).

    Returns
    -------
    str
        The Turkish name, in sentence case.

    Raises
    ------
    KeyError
        If no term has that key (with close-match suggestions).

    Examples
    --------
    >>> turkish("first_contact")
    'İlk temas'
    >>> turkish("mystery_shopping")
    'Gizli müşteri'
    """
    return term(key).turkish


def _check_chapter(chapter: int | None) -> None:
    if chapter is None:
        return
    if isinstance(chapter, bool) or not isinstance(chapter, int) or chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {list(CHAPTERS)} or None, got {chapter!r}")


def glossary_table(
    chapter: int | None = None,
    languages: Sequence[str] = LANGUAGES,
) -> pd.DataFrame:
    """The glossary as a table, optionally for one chapter and a subset of languages.

    Parameters
    ----------
    chapter : int or None, default None
        Keep only the terms introduced in this chapter (1–6); ``None`` keeps all.
    languages : sequence of str, default ("english", "turkish", "persian")
        Which name columns to include, in this order. Each must be one of
        ``"english"``, ``"turkish"``, ``"persian"``.

    Returns
    -------
    pandas.DataFrame
        One row per term in course order, indexed by ``key``, with one column per
        requested language, then ``definition`` (str) and ``chapter`` (int).

    Raises
    ------
    ValueError
        If ``chapter`` is not 1–6 or a language is unknown, empty or repeated.

    Examples
    --------
    >>> table = glossary_table(chapter=4, languages=("english", "turkish"))
    >>> table.loc["decision", "turkish"]
    'Karar anı'
    >>> list(table.columns)
    ['english', 'turkish', 'definition', 'chapter']
    """
    _check_chapter(chapter)
    if isinstance(languages, str):
        languages = (languages,)
    languages = tuple(languages)
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language(s) {unknown}; choose from {list(LANGUAGES)}")
    if not languages or len(set(languages)) != len(languages):
        raise ValueError(
            f"languages must name each of {list(LANGUAGES)} at most once and at least one, "
            f"got {list(languages)}"
        )
    selected = [t for t in TERMS if chapter is None or t.chapter == chapter]
    columns = [*languages, "definition", "chapter"]
    table = pd.DataFrame(
        {col: [getattr(t, col) for t in selected] for col in columns},
        index=pd.Index([t.key for t in selected], name="key"),
    )
    return table.astype({"chapter": "int64"})


def _markdown_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(chapter: int | None = None) -> str:
    """The glossary as a GitHub-flavoured markdown table (for the README).

    Written without the optional ``tabulate`` package.

    Parameters
    ----------
    chapter : int or None, default None
        Keep only the terms introduced in this chapter (1–6); ``None`` keeps all.

    Returns
    -------
    str
        A header row ``| Key | English | Turkish | Persian | Definition | Chapter |``,
        a separator row and one row per term, joined by newlines (with a final newline).

    Examples
    --------
    >>> print(to_markdown(chapter=1).splitlines()[2])
    | `customer_portfolio` | Customer portfolio | Müşteri portföyü | سبد مشتریان | All of a company's current and potential customers, seen as assets of different value. | 1 |
    """
    table = glossary_table(chapter=chapter)
    lines = [
        "| " + " | ".join(_MARKDOWN_HEADER) + " |",
        "|" + "|".join(["---"] * (len(_MARKDOWN_HEADER) - 1) + ["---:"]) + "|",
    ]
    for key, row in table.iterrows():
        cells = [
            f"`{key}`",
            row["english"],
            row["turkish"],
            row["persian"],
            row["definition"],
            row["chapter"],
        ]
        lines.append("| " + " | ".join(_markdown_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def stage_names() -> dict[str, str]:
    """The five customer journey stages: key to Turkish name, in journey order.

    Returns
    -------
    dict of str to str
        ``{"discovery": "Keşfetme", "first_contact": "İlk temas", ...}``; dicts keep
        insertion order, so iterating gives the stages in the order customers pass them.

    Examples
    --------
    >>> stage_names()
    {'discovery': 'Keşfetme', 'first_contact': 'İlk temas', 'decision': 'Karar anı', 'purchase': 'Hizmet alımı', 'deepening': 'Derinleşme'}
    """
    return {key: _BY_KEY[key].turkish for key in STAGE_KEYS}
