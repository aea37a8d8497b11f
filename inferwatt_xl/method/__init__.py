"""The paper's method as small pure functions on floats and numpy arrays.

Nothing here reads files, knows the model catalogue or Excel; the API layer
(`inferwatt_xl.api`) looks parameters up and calls these functions.
"""
