"""Fictional name pools in Latin, Cyrillic and Arabic script. Surnames and firms are invented."""

from __future__ import annotations

import numpy as np

GIVEN_LATIN = ("Anna", "Marek", "Lena", "Tomas", "Clara", "Jonas", "Mira", "Felix", "Ines", "Oskar", "Nora",
               "Viktor", "Elif", "Kemal", "Sofia", "Hugo", "Maya", "Pavel", "Lucia", "Emil")
SURNAME_LATIN = ("Quenby", "Marlowtz", "Verhalen", "Ostrand", "Pellicorn", "Brandvik", "Tallosek", "Wendricks",
                 "Falkmoor", "Ilvesson", "Caradoc", "Dunmerrow", "Halvorek", "Treskow-Lind", "Aubrelle",
                 "Koyunlar", "Sarıdemirci", "Venturelli", "Moravec-Holt", "Zandervoort")
GIVEN_CYRILLIC = ("Ольга", "Игорь", "Марина", "Павел", "Светлана", "Денис", "Тамара", "Роман", "Алина", "Глеб")
SURNAME_CYRILLIC = ("Веларов", "Тишкевич", "Брусенцов", "Ладыгин", "Снегирёв", "Куроплёв", "Зарецкий",
                    "Мухортов", "Ветлугин", "Пересветов")
GIVEN_ARABIC = ("سمير", "ليلى", "كريم", "نادية", "يوسف", "هالة", "طارق", "رنا", "فارس", "منى")
SURNAME_ARABIC = ("الزهراني", "القرطاسي", "البنّاء", "الورداني", "الشمّاع", "العطّار", "السرّاج", "الفخراني")
COMPANY_STEMS = ("Argent", "Borealis", "Cobalt Reach", "Dunmore", "Eastgate", "Fernhill", "Goldcrest", "Halcyon",
                 "Ironbridge", "Juniper", "Kestrel", "Larkspur", "Meridale", "Northwind", "Oakhaven", "Pinecliff",
                 "Quarrystone", "Redfern", "Silverbeck", "Thornbury", "Umberleigh", "Valemont", "Westerlund",
                 "Yarrowby", "Zephyrine")
COMPANY_KINDS = ("Logistics", "Foods", "Textiles", "Systems", "Builders", "Trading", "Pharma", "Motors",
                 "Consulting", "Energy", "Media", "Farms")
COMPANY_FORMS = ("Ltd", "GmbH", "LLC", "SARL", "BV", "AG", "PLC", "FZE", "A.Ş.", "OOO")
MERCHANT_KINDS = ("Market", "Pharmacy", "Fuel", "Café", "Grocers", "Books", "Hardware", "Telecom", "Transit")


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` person names, about 70% Latin, 20% Cyrillic, 10% Arabic script."""
    script = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])
    a = rng.integers(0, 1 << 30, size=n)
    b = rng.integers(0, 1 << 30, size=n)
    pools = ((GIVEN_LATIN, SURNAME_LATIN), (GIVEN_CYRILLIC, SURNAME_CYRILLIC), (GIVEN_ARABIC, SURNAME_ARABIC))
    out = []
    for s, i, j in zip(script.tolist(), a.tolist(), b.tolist(), strict=True):
        given, surname = pools[s]
        out.append(f"{given[i % len(given)]} {surname[j % len(surname)]}")
    return out


def company_names(rng: np.random.Generator, n: int, merchant: bool = False) -> list[str]:
    kinds = MERCHANT_KINDS if merchant else COMPANY_KINDS
    a = rng.integers(0, 1 << 30, size=n).tolist()
    b = rng.integers(0, 1 << 30, size=n).tolist()
    c = rng.integers(0, 1 << 30, size=n).tolist()
    return [f"{COMPANY_STEMS[i % len(COMPANY_STEMS)]} {kinds[j % len(kinds)]} {COMPANY_FORMS[k % len(COMPANY_FORMS)]}"
            for i, j, k in zip(a, b, c, strict=True)]
