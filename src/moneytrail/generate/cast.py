"""The named, fictional parties of the planted network and how each source spells them.

Each party has one spelling per source (registry, bank KYC, sanctions list, documents), in Latin,
Cyrillic or Arabic script, plus identifiers where that source would have them. ``confusables`` are
different parties with near-identical names but other birth dates or registration numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Party:
    key: str
    schema: str  # Person, Company or Organization
    country: str
    names: dict[str, str]  # source -> spelling ("registry", "kyc", "sanctions", "docs")
    aliases: tuple[str, ...] = ()
    birth_date: str = ""
    registration: str = ""
    role: str = ""
    extra: dict[str, str] = field(default_factory=dict)


SPONSOR = Party("sponsor", "Organization", "ru", {
    "kyc": "Directorate for Special Programmes, Unit 4417",
    "sanctions": "Управление специальных программ (войсковая часть 4417)",
    "docs": "Unit 4417 of the Directorate for Special Programmes"}, aliases=("Unit 4417",), role="sponsor")
OFFICER = Party("officer", "Person", "ru", {
    "registry": "Вельмарский Арсений Олегович", "kyc": "Arseny Velmarsky",
    "sanctions": "Arsenii Olegovich VELMARSKII", "docs": "Colonel Arseniy Velmarskiy"},
    aliases=("Арсений Вельмарский",), birth_date="1968-04-12", role="officer")
FRONT = Party("front", "Company", "ru", {
    "registry": "ООО «Яхонт Трейд»", "kyc": "OOO Yakhont Treyd", "sanctions": "Yakhont Trade LLC",
    "docs": "Yakhont Trade"}, registration="1127746301555", role="front",
    extra={"sector": "Wholesale of gemstones and precious stones"})
NOMINEE = Party("nominee", "Person", "ru", {"registry": "Корсакевич Инна Павловна", "kyc": "Inna Korsakevich"},
                birth_date="1979-11-02", role="front director")
BROKERS = (
    Party("broker_ae", "Company", "ae", {
        "registry": "شركة الواحة الذهبية للصرافة", "kyc": "Al Waha Al Dhahabiya Exchange LLC",
        "sanctions": "Golden Oasis Exchange", "docs": "Golden Oasis Exchange (Al Waha Al Dhahabiya)"},
        registration="DXB-CN-4471093", role="broker"),
    Party("broker_tr", "Company", "tr", {
        "registry": "Karabulutoğlu Döviz ve Kıymetli Madenler A.Ş.", "kyc": "Karabulutoglu Doviz AS",
        "docs": "Karabulutoglu Exchange"}, registration="TR-884512", role="broker"),
    Party("broker_tj", "Company", "tj", {
        "registry": "ҶДММ «Сомон Интиқол»", "kyc": "Somon Intiqol LLC", "docs": "Somon Transfer"},
        registration="0210049817", role="broker"),
)
BROKER_OWNERS = (
    Party("owner_ae", "Person", "ae", {"registry": "راشد سيف القرطاسي", "kyc": "Rashid Saif Al-Qurtasi",
                                       "sanctions": "Rashed Seif AL QURTASI", "docs": "Rashid al-Qurtasi"},
          birth_date="1975-06-19", role="broker owner"),
    Party("owner_tr", "Person", "tr", {"registry": "Selim Karabulutoğlu", "kyc": "Selim Karabulutoglu",
                                       "docs": "Selim Karabulutoglu"}, birth_date="1971-01-27",
          role="broker owner"),
    Party("owner_tj", "Person", "tj", {"registry": "Назарбекзода Фаррух", "kyc": "Farrukh Nazarbekzoda",
                                       "docs": "Farrukh Nazarbekzoda"}, birth_date="1983-08-08",
          role="broker owner"),
)
GROUP = Party("group", "Organization", "af", {
    "sanctions": "Kataib al-Sakhra al-Sawda", "docs": "Black Rock Brigades"},
    aliases=("كتائب الصخرة السوداء", "Black Rock Brigades"), role="armed group")
CONTROL_GROUP = Party("control_group", "Organization", "af", {
    "sanctions": "Liwa al-Wadi al-Akhdar", "docs": "Green Valley Brigade"},
    aliases=("لواء الوادي الأخضر", "Green Valley Brigade"), role="control group")
COMMANDERS = (
    Party("cell_1", "Person", "af", {"kyc": "Ghulam Nabi Zarifyar", "sanctions": "غلام نبی ظریفیار",
                                     "docs": "Ghulam Nabi Zarifiar"}, aliases=("Ghulam Nabi ZARIFYAR",),
          birth_date="1982-03-05", role="cell commander"),
    Party("cell_2", "Person", "af", {"kyc": "Abdul Wahid Sangzad", "sanctions": "عبدالواحد سنگزاد",
                                     "docs": "Abdulwahid Sangzad"}, aliases=("Abdul Wahed SANGZAD",),
          birth_date="1986-09-21", role="cell commander"),
    Party("cell_3", "Person", "af", {"kyc": "Mohammad Qasim Tolakhel", "sanctions": "محمد قاسم تولاخیل",
                                     "docs": "Muhammad Qasem Tolakhil"}, aliases=("Mohammad Qasim TOLAKHEL",),
          birth_date="1979-12-14", role="cell commander"),
    Party("cell_4", "Person", "af", {"kyc": "Nasrullah Pirdostzai", "sanctions": "نصرالله پیردوستزی",
                                     "docs": "Nasrullah Pirdostzay"}, aliases=("Nasrullah PIRDOSTZAI",),
          birth_date="1990-07-30", role="cell commander"),
)
# Commanders of the control group: they bank too, but nobody pays them per casualty.
CONTROL_COMMANDERS = (
    Party("control_cell_1", "Person", "af", {"kyc": "Sayed Karim Dawlatzai", "sanctions": "سید کریم دولتزی",
                                             "docs": "Sayed Karim Dawlatzay"}, aliases=("Sayed Karim DAWLATZAI",),
          birth_date="1984-10-17", role="control cell commander"),
    Party("control_cell_2", "Person", "af", {"kyc": "Hamidullah Nurbaksh", "sanctions": "حمیدالله نوربخش",
                                             "docs": "Hamidullah Noorbakhsh"}, aliases=("Hamidullah NURBAKSH",),
          birth_date="1977-05-03", role="control cell commander"),
)
# Different people and firms whose names are easily confused with network members.
CONFUSABLES = (
    (OFFICER, Party("officer_namesake", "Person", "ru", {"kyc": "Arseniy Velmarskiy"},
                    birth_date="1991-09-30", role="unrelated namesake")),
    (FRONT, Party("front_namesake", "Company", "ae",
                  {"registry": "Yakhont Trading FZE", "kyc": "YAKHONT TRADING F.Z.E."},
                  registration="RAK-FZE-220871", role="unrelated namesake")),
    (COMMANDERS[0], Party("cell_1_namesake", "Person", "af", {"kyc": "Ghulam Nabi Zarifyar"},
                          birth_date="1964-02-11", role="unrelated namesake")),
)


def all_parties() -> tuple[Party, ...]:
    return (SPONSOR, OFFICER, FRONT, NOMINEE, *BROKERS, *BROKER_OWNERS, GROUP, CONTROL_GROUP, *COMMANDERS,
            *CONTROL_COMMANDERS, *(b for _, b in CONFUSABLES))
