"""Word lists the demo book draws names and places from (fictional, deterministic)."""

COMPANY_STEMS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Massive Dynamic",
    "Aperture",
    "Black Mesa",
    "Gringotts",
    "Monarch",
    "Oscorp",
    "Pied Piper",
    "Sterling Cooper",
    "Dunder Mifflin",
    "Prestige Worldwide",
    "Bluth",
    "Krusty",
    "Nakatomi",
    "Virtucon",
    "Gekko",
    "Duff",
    "Ollivander",
    "Octan",
)
COMPANY_SUFFIXES = ("Holdings", "Industries", "Group", "Labs", "Systems", "Partners", "Corp")
DIVISIONS = ("Engineering", "Finance", "Sales", "Operations", "Marketing", "Research", "Legal")
DEPARTMENTS = ("Platform", "Payroll", "EMEA", "Data", "Field Sales", "Treasury", "Security")

FIRST_NAMES = (
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Avery",
    "Quinn",
    "Jamie",
    "Alex",
    "Sam",
    "Priya",
    "Wei",
    "Mateo",
    "Amara",
    "Sofia",
    "Liam",
    "Noor",
    "Kenji",
    "Elena",
    "Tomas",
)
LAST_NAMES = (
    "Rivera",
    "Chen",
    "Patel",
    "Okafor",
    "Schmidt",
    "Nakamura",
    "Garcia",
    "Kowalski",
    "Dubois",
    "Haddad",
    "Johansson",
    "Silva",
    "O'Brien",
    "Novak",
    "Rossi",
    "Kim",
    "Andersen",
    "Mbeki",
)
DIRECT_HIRE_TITLES = (
    "Senior Engineer",
    "Engineering Manager",
    "Financial Controller",
    "Head of Sales",
    "Data Scientist",
    "Product Manager",
    "HR Business Partner",
    "Chief Technology Officer",
)
CONTRACT_TITLES = (
    "Contract Developer",
    "QA Analyst",
    "Project Coordinator",
    "Payroll Specialist",
    "DevOps Contractor",
    "Interim Accountant",
    "Warehouse Lead",
)

# Where a company's Billtos are, by the currency it is billed in.
PLACES = {
    "USD": (
        "US",
        (("Austin", "TX", "73301"), ("Chicago", "IL", "60601"), ("Denver", "CO", "80202")),
    ),
    "CAD": ("CA", (("Toronto", "ON", "M5H 2N2"), ("Vancouver", "BC", "V6B 1A1"))),
    "GBP": ("GB", (("London", None, "EC1A 1BB"), ("Manchester", None, "M1 1AE"))),
}
