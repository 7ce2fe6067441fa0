"""The sources behind every EDSS rule (see ``docs/user-guide/edss.md``)."""

from __future__ import annotations

from hsct.common.text import Citation

KURTZKE_1983 = Citation(
    label=(
        "Kurtzke JF. Rating neurologic impairment in multiple sclerosis: an expanded "
        "disability status scale (EDSS). Neurology 1983;33(11):1444-52"
    ),
    date="1983-11",
    doi="10.1212/WNL.33.11.1444",
)
NEUROSTATUS_DEFINITIONS = Citation(
    label="Neurostatus Definitions, version 04/10.2 (Kappos L, University Hospital Basel)",
    date="2010-04",
    url="https://www.neurostatus.net/media/specimen/Definitions_0410-2_s.pdf",
)
NEUROSTATUS_STRUCTURE = Citation(
    label="Neurostatus: structure of the EDSS",
    date="2015-12-14",
    url="https://www.neurostatus.net/index.php?file=about&content=4",
)
NEUROSTATUS_FORUM = Citation(
    label="Neurostatus public forum, ambulation answers (last update 14.12.2015)",
    date="2015-12-14",
    url="https://www.neurostatus.net/forum/main.php?topic=ambulation",
)
NEUROSTATUS_TABLE_ENCODING = Citation(
    label=(
        "adobrasinovic/edss: encoding of the Neurostatus-EDSS scoring table "
        "(src/index.js, MIT; ambulation labels in README.md)"
    ),
    date="2026-11",
    url="https://github.com/adobrasinovic/edss",
)
JIRIMOTYL = Citation(
    label="jirimotyl/edss (R package EDSScalculator 0.3.0, method neurostatus_16)",
    date="2026-11",
    url="https://github.com/jirimotyl/edss",
)
MSPECTRUM = Citation(
    label="AnasZakarya/MSpectrum (formerly AutoEDSSguide), index.html engine",
    date="2026-11",
    url="https://github.com/AnasZakarya/MSpectrum",
)
SELF_REPORT_GAP = Citation(
    label=(
        "Sarnataro A et al. Integration of the expanded disability status scale with "
        "ambulation, visual and cognitive tests. Neurol Sci 2024;45(10):4799-4805"
    ),
    date="2024-10",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC11422431",
)
NEUROSTATUS_FS_LABELS = Citation(
    label=(
        "adobrasinovic/edss README.md: the grade labels of each functional system and of "
        "the ambulation score, following the Neurostatus scoring table (MIT)"
    ),
    date="2026-11",
    url="https://github.com/adobrasinovic/edss#functional-systems-and-ambulation-score",
)
