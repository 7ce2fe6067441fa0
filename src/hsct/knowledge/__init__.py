"""The knowledge base: facilities, guideline and trial rule sets, drugs, regimens, studies.

Pure core: shipped as data in the package, validated at load.
"""
