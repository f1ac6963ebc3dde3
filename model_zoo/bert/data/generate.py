"""Regenerate the built-in data of the BERT recipe (deterministic; no download).

    python model_zoo/bert/data/generate.py

Writes, next to this file:
  corpus.txt          pre-training text: documents separated by blank lines, one sentence per
                      line (plain English written for this recipe plus template-generated
                      documents about towns, animals and people; all of it original text)
  sentiment_train.tsv / sentiment_dev.tsv
                      sentence<TAB>label (positive / negative) for fine-tuning
  vocab.txt           WordPiece vocabulary built from the three files above by
                      model_zoo.bert.src.dataset.build_vocab (lower-cased basic tokenization,
                      words seen at least twice, "##" suffix pieces and single characters so
                      rare words split into wordpieces, plus [PAD] [UNK] [CLS] [SEP] [MASK])
"""
from __future__ import annotations

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- hand-written documents ------------------------------------------------------------------
PLAIN = [
    """Water moves around the earth in a great circle that never stops.
The sun warms the sea, and some of the water rises into the air as vapour.
High above the ground the vapour cools and gathers into clouds.
When the drops in a cloud grow heavy, they fall back to the ground as rain or snow.
Some of the rain soaks into the soil, where the roots of plants can reach it.
The rest runs into streams, and the streams join to make rivers.
In the end the rivers carry the water back to the sea.
Then the sun warms it again, and the journey begins once more.""",
    """The moon is the closest neighbour of the earth in space.
It has no light of its own and shines only because it reflects the light of the sun.
As the moon travels around the earth, we see more or less of its bright side.
This is why the moon seems to change its shape during the month.
A full moon rises in the east at about the same time as the sun sets in the west.
The pull of the moon raises the tides of the sea twice a day.
People first walked on the moon in the summer of nineteen sixty nine.
They found grey dust, sharp rocks and a black sky full of stars.""",
    """The year is divided into four seasons.
In spring the days grow longer and the first green leaves appear on the trees.
Farmers plough their fields and sow the seed for the coming harvest.
Summer brings long warm evenings and the heaviest crops.
In autumn the leaves turn yellow and red before they fall to the ground.
The harvest is gathered in, and the barns are filled with grain.
Winter is the coldest season, and in many places the ground is covered with snow.
Then the days begin to lengthen again, and spring returns.""",
    """Bread is one of the oldest foods that people make.
To bake a simple loaf you need flour, water, salt and yeast.
The baker mixes them together and kneads the dough until it is smooth.
Then the dough is left in a warm place to rise for an hour or two.
The yeast feeds on the flour and fills the dough with small bubbles of gas.
When the dough has doubled in size, it is shaped and placed in a hot oven.
After about forty minutes the crust is brown and the kitchen smells wonderful.
A good loaf should sound hollow when you knock on the bottom.""",
    """Honey bees live together in large families called colonies.
Each colony has one queen, a few hundred males and many thousands of workers.
The workers fly from flower to flower to collect nectar and pollen.
Back in the hive they turn the nectar into honey and store it in wax cells.
A bee that finds a good patch of flowers performs a dance to tell the others where it is.
The angle of the dance shows the direction, and its length shows the distance.
Without bees many fruits and vegetables would never grow.
For this reason farmers are glad to see hives near their orchards.""",
    """On a clear night far from the lights of a town, the sky is full of stars.
Some stars are much larger than the sun, but they are so far away that they look tiny.
Long ago sailors used the stars to find their way across the sea.
The north star stays almost still while the other stars turn slowly around it.
Groups of stars that seem to form pictures are called constellations.
The planets look like stars, but they wander slowly across the sky from week to week.
A shooting star is not a star at all but a small stone burning up in the air.
Watching the night sky is a quiet pleasure that costs nothing.""",
    """A river begins as a small spring high up in the hills.
At first it is only a narrow stream that tumbles over rocks.
Other streams join it, and it grows wider and deeper as it flows downhill.
In the valley the river slows down and begins to wind from side to side.
It carries sand and mud, which it drops on its banks when it floods.
This mud makes the land near the river very good for farming.
Near the coast the river spreads out into a wide mouth.
There its fresh water finally meets the salt water of the sea.""",
    """A lighthouse is a tall tower with a bright lamp at the top.
It stands on a rocky point or an island to warn ships of danger.
Every lighthouse has its own pattern of flashes, so sailors can tell which one they see.
In the past a keeper lived in the lighthouse and tended the lamp every night.
He had to wind the clockwork that turned the lens and keep the glass clean.
In foggy weather he also sounded a loud horn.
Today most lighthouses work on their own and are checked only from time to time.
Still, many people love to visit them and climb the narrow stairs to the top.""",
    """The village library is open every day except Sunday.
It has shelves of stories for children, books about history and a corner for newspapers.
Anyone who lives in the village may borrow up to six books at a time.
The librarian knows almost every reader by name.
On wet afternoons the reading room is warm and quiet.
Once a month an author is invited to talk about a new book.
The children enjoy the story hour on Saturday mornings most of all.
Many people say that the library is the heart of the village.""",
    """Sleep is as important for good health as food and water.
While we sleep, the body repairs itself and the mind sorts the events of the day.
Most adults need between seven and nine hours of sleep each night.
Children and young people need even more.
A person who sleeps too little finds it hard to think clearly.
Going to bed at the same time every evening helps the body keep a steady rhythm.
A dark, cool and quiet room makes it easier to fall asleep.
A short walk in the fresh air during the day also helps.""",
    """The weather changes from day to day because the air is always moving.
Warm air rises, and cooler air flows in to take its place.
When warm wet air meets cold air, clouds form and rain often follows.
A falling barometer usually means that a storm is on its way.
Wind is simply air moving from a place of high pressure to a place of low pressure.
Near the sea the weather is milder than it is far inland.
Farmers and sailors have always watched the sky closely.
An old saying tells us that a red sky at night is a sailor's delight.""",
    """Long before there were roads, ships carried goods from one country to another.
The first ships were small boats made from hollow logs.
Later, builders learned to join planks together and to raise tall masts with sails.
A sailing ship depends on the wind, so a voyage could last for many weeks.
Sailors ate dry biscuits and salted meat and drank water stored in barrels.
Steam engines made ships faster and allowed them to sail against the wind.
Today huge ships carry thousands of metal boxes across the oceans.
Yet small sailing boats are still loved by people who enjoy the sea.""",
    """A stone wall can stand for hundreds of years if it is built with care.
The builder begins by digging a shallow trench and laying the largest stones at the bottom.
Each stone is placed so that it rests on two stones below it.
Small stones are packed into the gaps to make the wall firm.
The wall is made a little narrower as it rises.
Flat stones are laid along the top to keep the rain out.
No mortar is used, yet a good wall does not move.
Walls like these divide the fields in many hilly parts of the country.""",
    """The postal service carries letters and parcels to every house in the land.
A letter is dropped into a post box and collected in the afternoon.
At the sorting office machines read the address and send the letter to the right town.
Early the next morning a postman carries it along his round.
In the past letters were carried by riders on horseback.
Later they travelled by train, and mail was sorted in special carriages at night.
Although many people now send messages by computer, a handwritten letter is still special.
Some people keep old letters from their family for their whole lives.""",
    """In autumn the trees prepare for the long cold winter.
The green colour of the leaves fades as the tree stops making food.
Then the yellow, orange and red colours that were hidden underneath can be seen.
A thin layer forms where each leaf joins its twig.
Soon the wind blows the leaves away, and they cover the ground like a carpet.
The fallen leaves rot slowly and feed the soil.
The bare branches rest through the winter.
When spring comes, new buds open and the tree turns green again.""",
    """A garden needs attention in every season of the year.
In early spring the soil is dug and the weeds are pulled out.
Seeds of beans, peas and carrots are sown in straight rows.
Young plants must be watered in dry weather and protected from slugs.
In summer the gardener picks fruit and vegetables almost every day.
Flowers attract bees and butterflies that help the plants to grow.
In autumn the beds are covered with leaves and old straw.
A well kept garden can feed a family for much of the year.""",
]

# ---- template documents ----------------------------------------------------------------------
TOWNS = ["Ashford", "Bramwell", "Corley", "Dunmore", "Elmstead", "Fernhill", "Glenbrook", "Harwick", "Ivybridge",
         "Larkfield", "Millbrook", "Northby", "Oakhurst", "Penrose", "Redcliff", "Stonebury"]
RIVERS = ["Wend", "Lark", "Tamsin", "Colne", "Meade", "Rill", "Otter", "Swale"]
CROPS = ["wheat", "barley", "apples", "potatoes", "oats", "cabbages", "pears", "beans", "onions", "plums"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
MATERIALS = ["grey stone", "red brick", "oak timber", "rough granite"]
FISH = ["trout", "perch", "eels", "pike", "roach"]
SIZES = ["small", "quiet", "busy", "pretty", "old"]
FOUNDERS = ["fishermen", "farmers", "miners", "weavers", "monks"]
NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "fifteen", "twenty"]
POSITIVE = ["pleasant", "friendly", "cheerful", "peaceful", "lovely", "charming", "delightful", "welcoming",
            "wonderful", "beautiful", "kind", "warm", "bright", "excellent", "generous", "gentle"]
NEGATIVE = ["dull", "gloomy", "noisy", "dirty", "unfriendly", "boring", "awful", "terrible", "cold", "rude",
            "dreary", "miserable", "crowded", "unpleasant", "horrible", "bleak"]

ANIMALS = {
    # name: (kind, habitat, foods, weight, feature, trait)
    "fox": ("clever hunter", "woods and farmland", ["mice", "rabbits", "berries", "insects"], "eight",
            "red coat and bushy tail", "cunning"),
    "otter": ("playful swimmer", "rivers and quiet lakes", ["fish", "frogs", "crabs", "eggs"], "ten",
              "webbed feet and thick fur", "cheerful"),
    "heron": ("tall grey bird", "marshes and the edges of rivers", ["fish", "frogs", "eels", "insects"], "two",
              "long legs and sharp beak", "patient"),
    "badger": ("strong digger", "deep burrows under the woods", ["worms", "roots", "berries", "insects"], "twelve",
               "striped face", "stubborn"),
    "hare": ("fast runner", "open fields and meadows", ["grass", "herbs", "bark", "clover"], "four",
             "long ears", "wild"),
    "owl": ("silent hunter", "old barns and hollow trees", ["mice", "voles", "beetles", "birds"], "one",
            "round face and large eyes", "wise"),
    "beaver": ("busy builder", "ponds that it makes itself", ["bark", "leaves", "roots", "reeds"], "twenty",
               "flat tail and strong teeth", "hardworking"),
    "deer": ("shy grazer", "forests and quiet valleys", ["grass", "leaves", "acorns", "bark"], "ninety",
             "branching antlers", "gentle"),
    "wolf": ("pack hunter", "northern forests and mountains", ["deer", "hares", "birds", "berries"], "forty",
             "long howl", "fierce"),
    "hedgehog": ("small night walker", "hedges and gardens", ["worms", "beetles", "slugs", "eggs"], "one",
                 "coat of sharp spines", "shy"),
    "kingfisher": ("bright little bird", "clear streams and rivers", ["fish", "insects", "shrimps", "tadpoles"],
                   "one", "blue and orange feathers", "proud"),
    "swallow": ("swift flyer", "barns in summer and warm lands in winter", ["flies", "gnats", "beetles", "moths"],
                "one", "forked tail", "lucky"),
}
TIMES = ["dawn", "dusk", "night", "midday"]
STATUS = ["common", "rare", "protected", "seldom seen"]

PEOPLE = [("Anna", "she"), ("Thomas", "he"), ("Clara", "she"), ("Henry", "he"), ("Maria", "she"),
          ("Peter", "he"), ("Lucy", "she"), ("Samuel", "he"), ("Emma", "she"), ("Daniel", "he"),
          ("Rose", "she"), ("Oliver", "he"), ("Alice", "she"), ("George", "he")]
JOBS = {"baker": "bakery", "teacher": "school", "carpenter": "workshop", "doctor": "surgery",
        "fisherman": "harbour", "painter": "studio", "miller": "mill", "tailor": "shop",
        "blacksmith": "forge", "gardener": "garden"}
RELATIVES = ["father", "mother", "uncle", "aunt", "grandfather", "grandmother"]
TOPICS = ["ships", "the stars", "old castles", "birds", "distant countries", "history", "plants", "music"]
MEALS = ["bread and soup", "roast potatoes", "apple pie", "fish and beans", "cheese and fresh bread"]

THINGS = ["food", "music", "hotel", "weather", "journey", "film", "market", "concert", "room", "garden",
          "service", "bread", "lesson", "party", "book", "walk", "view", "festival", "meal", "shop"]
PRAISE_VERBS = ["enjoyed", "loved", "liked", "admired"]
BLAME_VERBS = ["hated", "disliked", "regretted", "complained about"]


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _keep_order(rng: random.Random, sentences: list, low: int) -> list:
    """Drop a few sentences at random but keep the order (documents stay coherent)."""
    k = rng.randint(low, len(sentences))
    keep = sorted(rng.sample(range(len(sentences)), k))
    return [sentences[i] for i in keep]


def town_doc(rng: random.Random, town: str) -> list:
    river, (c1, c2) = rng.choice(RIVERS), rng.sample(CROPS, 2)
    p1, p2 = rng.sample(POSITIVE, 2)
    s = [f"{town} is a {rng.choice(SIZES)} town on the banks of the {river} river.",
         f"It was founded by {rng.choice(FOUNDERS)} more than {rng.choice(NUMBERS)} hundred years ago.",
         f"Most families in {town} grow {c1} and {c2} in the fields around the town.",
         f"Every {rng.choice(DAYS)}, the farmers carry their {c1} to the market square.",
         f"The old bridge over the {river} was built of {rng.choice(MATERIALS)} and still carries carts today.",
         f"In the summer the children of {town} swim in the {river} and fish for {rng.choice(FISH)}.",
         f"In the winter the {river} freezes and the streets of {town} grow quiet.",
         f"A small school stands next to the church, and its bell rings at {rng.choice(NUMBERS[:8])} o'clock.",
         f"Visitors often say that {town} is {p1} and {p2}.",
         f"The nearest city is {rng.choice(NUMBERS)} miles away, so few people ever leave {town}."]
    return _keep_order(rng, s, 7)


def animal_doc(rng: random.Random, animal: str) -> list:
    kind, habitat, foods, weight, feature, trait = ANIMALS[animal]
    f1, f2, f3 = rng.sample(foods, 3)
    s = [f"The {animal} is a {kind} that lives in {habitat}.",
         f"It is most active at {rng.choice(TIMES)}, when it goes out to look for food.",
         f"Its diet is made up of {f1}, {f2} and sometimes {f3}.",
         f"A grown {animal} can weigh as much as {weight} kilograms.",
         f"In spring the female gives birth to {rng.choice(NUMBERS[:4])} young.",
         f"The young stay close to their mother for {rng.choice(NUMBERS[:6])} months before they leave.",
         f"Because of its {feature}, the {animal} is easy to recognise.",
         f"Many old stories describe the {animal} as {trait}.",
         f"Today the {animal} is {rng.choice(STATUS)} in most parts of the country."]
    return _keep_order(rng, s, 7)


def person_doc(rng: random.Random, person: tuple) -> list:
    name, pron = person
    poss = "her" if pron == "she" else "his"
    job = rng.choice(sorted(JOBS))
    place, town = JOBS[job], rng.choice(TOWNS)
    p1, p2 = rng.sample(POSITIVE, 2)
    s = [f"{name} was a {job} who lived in {town}.",
         f"Every morning {pron} woke before sunrise and walked to the {place}.",
         f"{_cap(pron)} had learned the trade from {poss} {rng.choice(RELATIVES)} many years before.",
         f"The people of {town} said that {name} was {p1} and {p2}.",
         f"In the evenings {pron} liked to read books about {rng.choice(TOPICS)}.",
         f"One winter a great storm damaged the {place}.",
         f"{name} worked for {rng.choice(NUMBERS)} days to repair it, and {poss} neighbours came to help.",
         f"When the work was finished, the whole street shared a meal of {rng.choice(MEALS)}.",
         f"After that, {name} never forgot the kindness of {poss} neighbours."]
    return _keep_order(rng, s, 7)


def sentiment_rows(rng: random.Random, n: int) -> list:
    """Learnable synthetic sentiment sentences: the adjectives and verbs carry the label."""
    rows = []
    for _ in range(n):
        positive = rng.random() < 0.5
        adjs = POSITIVE if positive else NEGATIVE
        verbs = PRAISE_VERBS if positive else BLAME_VERBS
        a1, a2 = rng.sample(adjs, 2)
        t1, t2 = rng.sample(THINGS, 2)
        name = rng.choice(PEOPLE)[0]
        town = rng.choice(TOWNS)
        form = rng.randrange(5)
        if form == 0:
            text = f"{name} said the {t1} in {town} was {a1}."
        elif form == 1:
            text = f"The {t1} was {a1} and the {t2} was {a2}."
        elif form == 2:
            text = f"We {rng.choice(verbs)} the {t1}, it was really {a1}!"
        elif form == 3:
            text = f"Everyone thought the {t1} at the {t2} was {a1}."
        else:
            text = f"What a {a1} {t1}; {name} {rng.choice(verbs)} it."
        rows.append((text, "positive" if positive else "negative"))
    return rows


def main() -> None:
    rng = random.Random(2024)
    docs = [[line.strip() for line in block.splitlines() if line.strip()] for block in PLAIN]
    docs += [town_doc(rng, t) for t in TOWNS]
    docs += [animal_doc(rng, a) for a in sorted(ANIMALS)]
    docs += [person_doc(rng, p) for p in PEOPLE]
    rng.shuffle(docs)
    with open(os.path.join(HERE, "corpus.txt"), "w", encoding="utf-8") as f:
        f.write("\n\n".join("\n".join(d) for d in docs) + "\n")
    for name, n in (("sentiment_train.tsv", 480), ("sentiment_dev.tsv", 120)):
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
            f.write("sentence\tlabel\n")
            f.writelines(f"{text}\t{label}\n" for text, label in sentiment_rows(rng, n))
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
    from model_zoo.bert.src.dataset import build_vocab
    words = build_vocab([os.path.join(HERE, f) for f in ("corpus.txt", "sentiment_train.tsv", "sentiment_dev.tsv")],
                        os.path.join(HERE, "vocab.txt"))
    print(f"{len(docs)} documents, {sum(len(d) for d in docs)} sentences; vocab {len(words)} tokens")


if __name__ == "__main__":
    main()
