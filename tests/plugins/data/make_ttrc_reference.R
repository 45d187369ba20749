# Writes ttrc_reference.csv: R TTR's ttrc data set (daily bars, 1985-2006) with TTR's MFI(14) and
# VWAP(20) of the close and of the typical price, the reference that tests/plugins/test_mfi.cpp and
# test_vwap.cpp compare the built-in plugins with. Run from this folder (needs R with TTR; on
# Debian: apt-get install --no-install-recommends r-cran-ttr):   Rscript make_ttrc_reference.R
library(TTR)
data(ttrc)
hlc <- ttrc[, c("High", "Low", "Close")]
out <- data.frame(
  date = format(ttrc$Date, "%Y-%m-%d"),
  high = ttrc$High, low = ttrc$Low, close = ttrc$Close, volume = ttrc$Volume,
  mfi14 = as.numeric(MFI(hlc, ttrc$Volume, n = 14)),
  vwap20_close = as.numeric(VWAP(ttrc$Close, ttrc$Volume, n = 20)),
  vwap20_typical = as.numeric(VWAP(rowMeans(hlc), ttrc$Volume, n = 20)))
fmt <- function(x) ifelse(is.na(x), "NA", formatC(x, digits = 12, format = "g"))
for (k in c("mfi14", "vwap20_close", "vwap20_typical")) out[[k]] <- fmt(out[[k]])
cat("# R TTR", as.character(packageVersion("TTR")), "on data(ttrc); written by make_ttrc_reference.R\n",
    file = "ttrc_reference.csv")
cat(paste(names(out), collapse = ","), "\n", sep = "", file = "ttrc_reference.csv", append = TRUE)
write.table(out, "ttrc_reference.csv", sep = ",", quote = FALSE, row.names = FALSE, col.names = FALSE, append = TRUE)
