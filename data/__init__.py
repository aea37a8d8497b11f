"""InferWatt's data files, installed as the package `inferwatt_xl.data` (each row carries its source)."""
