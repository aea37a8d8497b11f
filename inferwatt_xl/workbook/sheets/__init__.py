"""The standalone workbook's sheets, a module per group, each with `declare(book, values)` (its tables) and
`write(book, values)` (their contents): inputs, throughput, simulation, results, impacts, stamped, reproduction,
figures, about; standalone.SHEET_MODULES runs them in that order."""
