"""The terms a proposer accepts, each quoting the guideline it comes from.

The rule is stated in the portal's words (its text is in the message catalogues, so it
reads in the page's language); the quote is the seed's own Japanese, shown as the source.
The seeds write some kanji as CJK radicals (⼈ for 人); the quotes use the ordinary
characters so that they read and search the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.i18n import N_

AOMORI = "000_4783c11d099f2101.txt"
SAPPORO = "001_432515fecfa00518.txt"
NAGASAKI = "002_2a17031293640b66.txt"
KITAKYUSHU = "003_6cefa70e5dc5551c.txt"
SETAGAYA = "004_9a4ea9356e37e13f.txt"


@dataclass(frozen=True)
class Source:
    city: str  # municipality code
    seed: str  # file in shared/seeds/
    quote: str  # the seed's words


@dataclass(frozen=True)
class Term:
    anchor: str
    heading: str  # catalogue message id
    rule: str  # catalogue message id: the rule, in the portal's words
    sources: tuple[Source, ...]


TERMS: tuple[Term, ...] = (
    Term(
        "eligibility",
        N_("Who may propose"),
        N_(
            "Companies, universities, NPOs, associations and sole proprietors may propose. "
            "A private individual who is not a sole proprietor may not."
        ),
        (
            Source(
                "aomori",
                AOMORI,
                "本制度は、連携事業の実施が可能な民間企業や団体等からの提案を受け付けるもので"
                "あり、個人(個人事業主を除く)からの提案は対象外となります。",
            ),
        ),
    ),
    Term(
        "content",
        N_("What a proposal must be"),
        N_(
            "A proposal must be lawful and politically and religiously neutral, and one "
            "proposal offers one solution to one problem. A plain sales pitch is not a "
            "proposal."
        ),
        (
            Source(
                "sapporo",
                SAPPORO,
                "事業内容が法令・公序良俗に反していないこと、政治、宗教等の思想・立場から"
                "中立的であること など",
            ),
            Source(
                "kitakyushu",
                KITAKYUSHU,
                "ご提案が制度の趣旨に合致するか(単なる営業活動ではないか等)を迅速に確認し、"
                "速やかに対話のステップに進めるよう努めます。",
            ),
        ),
    ),
    Term(
        "no-compensation",
        N_("No compensation for proposing"),
        N_(
            "Whether a proposal is adopted or not, the city pays nothing for the cost of "
            "proposing or of the talks that follow."
        ),
        (
            Source(
                "aomori",
                AOMORI,
                "提案の採否にかかわらず、市は提案及び調整に係る一切の費用の補償や賠償をしません。",
            ),
        ),
    ),
    Term(
        "selection",
        N_("No automatic contract"),
        N_(
            "Where the city pays, or must give every company an equal chance, it chooses "
            "who implements by a proposal competition or a tender, after budgeting."
        ),
        (
            Source(
                "aomori",
                AOMORI,
                "市の財政負担を伴うものや、広く事業者を公募する必要がある取組については、"
                "プロポーザルや入札等により事業者等を選定します。",
            ),
        ),
    ),
    Term(
        "protection",
        N_("Your ideas and know-how are protected"),
        N_(
            "What you mark as know-how to protect is never published. The scope of "
            "confidentiality is agreed at the start of the dialogue; everything else about "
            "a realised initiative is published so that others can build on it."
        ),
        (
            Source(
                "setagaya",
                SETAGAYA,
                "提案に関するアイデア等の知的財産について協議のうえ適切に保護する。"
                "保護すべき情報以外は広く公開し、新たな取組みの形成に活かす。",
            ),
            Source(
                "kitakyushu",
                KITAKYUSHU,
                "対話の初期段階で、情報の取り扱いや秘密保持の範囲について双方で確認し、"
                "皆さまが安心してアイデアを共有できる環境を整えます。",
            ),
            Source(
                "aomori",
                AOMORI,
                "公募等の仕様の作成に当たって、提案者から得た情報を利用させていただく場合が"
                "ありますが、提案者独自の権利やノウハウ等に抵触し、不都合が生じる情報には、"
                "その利用につき協議・配慮いたします。",
            ),
        ),
    ),
    Term(
        "city-information",
        N_("The city's information stays confidential"),
        N_("Information the city gives you while your proposal is discussed stays confidential."),
        (
            Source(
                "aomori",
                AOMORI,
                "提案から実施の過程で市から提供のあった情報は、その秘密を保持し、"
                "第三者へ提供は不可とします。",
            ),
        ),
    ),
    Term(
        "disclosure",
        N_("Disclosure requests"),
        N_(
            "Documents the city holds about your proposal are subject to information "
            "disclosure requests. Information that identifies a person is withheld, and you "
            "are asked first about anything that could harm your legitimate interests."
        ),
        (
            Source(
                "aomori",
                AOMORI,
                "青森市では、職員が職務上作成し、又は取得した文書等は、情報公開の対象となって"
                "いることから、開示請求があった場合、特定の個人を識別することができる情報等を"
                "除き、原則開示の対象となります。開示内容の検討に当たっては、提案者の正当な"
                "利益を害するおそれがある情報等の意見を伺います。",
            ),
        ),
    ),
    Term(
        "register",
        N_("What the public register shows"),
        N_(
            "Once the desk has taken your proposal on, the public register lists its "
            "received date, theme, field, summary and status; a free proposal also shows "
            "its title. Your organisation and contact details are not listed."
        ),
        (
            Source(
                "nagasaki",
                NAGASAKI,
                "提案受付日　課題番号　課題名　分野　提案概要　対応状況",
            ),
        ),
    ),
)
