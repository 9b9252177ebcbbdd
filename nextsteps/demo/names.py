"""Names for demo people: a mix such as a British school register might hold today.

Invented combinations only; any likeness to a real child is chance. Lists are tuples so that a
seeded random choice always picks the same name.
"""

# fmt: off
GIRLS = (
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Florence", "Evie",
    "Grace", "Sophia", "Ella", "Poppy", "Willow", "Rosie", "Emily", "Harper", "Isabella", "Daisy",
    "Aisha", "Fatima", "Maryam", "Zainab", "Hafsa", "Khadija", "Amira", "Inaya", "Hana", "Noor",
    "Priya", "Anaya", "Diya", "Saanvi", "Ishani", "Simran", "Jasleen", "Harleen", "Kiran", "Meera",
    "Amara", "Chiamaka", "Adaeze", "Nia", "Zuri", "Abena", "Efua", "Imani", "Kemi", "Ayomide",
    "Zofia", "Maja", "Julia", "Lena", "Ioana", "Ana", "Bianca", "Elif", "Zeynep", "Leyla",
    "Mei", "Ying", "Siobhan", "Niamh", "Aoife", "Caitlin", "Eilidh", "Morag", "Ffion", "Seren",
    "Carys", "Megan", "Ruby", "Matilda", "Hannah", "Esme", "Maisie", "Phoebe", "Lucia", "Sofia",
)

BOYS = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry",
    "Theo", "Jack", "Charlie", "Freddie", "Alfie", "Thomas", "Finley", "Jacob", "Isaac", "Joshua",
    "Ibrahim", "Yusuf", "Ayaan", "Zayn", "Omar", "Ali", "Hamza", "Bilal", "Idris", "Adam",
    "Arjun", "Rohan", "Aarav", "Vihaan", "Kabir", "Harjot", "Gurpreet", "Manveer", "Dev", "Nikhil",
    "Kwame", "Kofi", "Chidi", "Tobenna", "Oluwaseun", "Tariq", "Malachi", "Jayden", "Nathaniel",
    "Elijah", "Jakub", "Szymon", "Filip", "Mateusz", "Andrei", "Luca", "Emre", "Kerem", "Mehmet",
    "Wei", "Jun", "Callum", "Ruaridh", "Fraser", "Angus", "Cian", "Oisin", "Rhys", "Dylan",
    "Gethin", "Owen", "Samuel", "Daniel", "Joseph", "Max", "Reuben", "Ezra", "Caleb", "Louis",
)

SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes",
    "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin",
    "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison",
    "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price",
    "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey",
    "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall",
    "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman",
    "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews",
    "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell",
    "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Ahmed", "Akhtar",
    "Rahman", "Islam", "Iqbal", "Mahmood", "Shah", "Sharma", "Kaur", "Gill", "Sandhu", "Chauhan",
    "Mistry", "Desai", "Okafor", "Adeyemi", "Okonkwo", "Mensah", "Asante", "Boateng", "Osei",
    "Eze", "Abdi", "Hassan", "Mohamed", "Warsame", "Nowak", "Kowalski", "Wojcik", "Lewandowska",
    "Popescu", "Ionescu", "Yilmaz", "Demir", "Kaya", "Chen", "Wang", "Li", "Zhang", "Nguyen",
    "Tran", "MacDonald", "Stewart", "Robertson", "Reid", "Fraser", "Ross", "McLean", "Paterson",
    "O'Brien", "O'Sullivan", "Byrne", "Doherty", "Gallagher", "Rees", "Pritchard", "Vaughan",
    "Da Silva", "Ferreira", "Costa", "Rossi", "Esposito", "Campbell-Hughes", "Okoro-Smith",
)

ADULT_WOMEN = (
    "Sarah", "Emma", "Rebecca", "Laura", "Claire", "Gemma", "Kirsty", "Joanne", "Nicola",
    "Rachel", "Hayley", "Amina", "Nadia", "Shazia", "Farah", "Sunita", "Rupinder", "Deepa",
    "Ngozi", "Funmi", "Grace", "Agnieszka", "Katarzyna", "Elena", "Aylin", "Li Na", "Fiona",
    "Catriona", "Bethan", "Sian", "Louise", "Helen", "Victoria", "Zoe", "Lucy", "Jenny",
)

ADULT_MEN = (
    "David", "James", "Mark", "Paul", "Andrew", "Richard", "Daniel", "Chris", "Matthew", "Lee",
    "Stuart", "Imran", "Asif", "Tariq", "Sanjay", "Rajesh", "Harpreet", "Emeka", "Kwabena",
    "Tunde", "Piotr", "Tomasz", "Mihai", "Murat", "Hao", "Craig", "Gareth", "Iwan", "Sean",
    "Ciaran", "Michael", "Stephen", "Jon", "Ben", "Tom", "Adrian",
)
# fmt: on

# Familiar forms a child may prefer; only these names get a preferred first name.
SHORT_FORMS = {
    "Alexander": "Alex",
    "Oliver": "Olly",
    "Thomas": "Tom",
    "Samuel": "Sam",
    "Daniel": "Dan",
    "Joseph": "Joe",
    "Nathaniel": "Nate",
    "Isabella": "Bella",
    "Matilda": "Tilly",
    "Florence": "Flo",
    "Elizabeth": "Libby",
    "Oluwaseun": "Seun",
    "Muhammad": "Mo",
    "Ayomide": "Ayo",
    "Gurpreet": "Preet",
}

# The four broad areas of need in the SEND Code of Practice, with the kinds of detail a SENCo
# writes under each.
SEN_NEEDS = (
    (
        "Communication and interaction",
        (
            "Speech, language and communication needs: speech and language therapy twice a term; "
            "visual timetable and pre-taught vocabulary.",
            "Autism (diagnosed): prefers a predictable routine; warn of changes; quiet space "
            "available at lunchtime.",
        ),
    ),
    (
        "Cognition and learning",
        (
            "Specific learning difficulty (dyslexic profile): coloured overlay, word banks, "
            "extra time for reading tasks.",
            "Moderate learning difficulty: small-steps maths programme; works best with "
            "concrete resources.",
            "Working memory difficulties: instructions chunked and written down.",
        ),
    ),
    (
        "Social, emotional and mental health",
        (
            "Anxiety around transitions: check-in with the learning mentor each morning.",
            "ADHD (diagnosed): movement breaks and a fiddle tool; seated near the teacher.",
            "Attachment difficulties: key adult identified; calm-down plan shared with staff.",
        ),
    ),
    (
        "Sensory and/or physical",
        (
            "Hearing impairment: wears hearing aids; radio aid used in class; seat near the front.",
            "Visual impairment: enlarged print (N24) and high-contrast materials.",
            "Hypermobility: writing slope and pencil grip; rest breaks in PE.",
        ),
    ),
)

SEN_SUPPORT_EXTRA = (
    "Reviewed each term with parents.",
    "Outside agency involved: educational psychologist.",
    "Support plan targets reviewed at pupil progress meetings.",
)

RELATIONSHIPS_MOTHER = ("Mother", "Mother", "Mother", "Stepmother", "Grandmother", "Aunt")
RELATIONSHIPS_FATHER = ("Father", "Father", "Father", "Stepfather", "Grandfather", "Uncle")
