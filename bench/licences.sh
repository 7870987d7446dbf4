# The licences of the shared collections, for `melos corpus build` (recorded in the corpus; model cards quote them).
# Sourced by the training and benchmark scripts: melos corpus build ... "${LICENCES[@]}"
LICENCES=(
  --licence "nottingham=GNU GPLv3 (the cleaned Nottingham Music Database repository)"
  --licence "pop909=MIT (POP909)"
  --licence "oneills1850=public-domain tunes (O'Neill's Music of Ireland, 1903); files from a BSD-licensed corpus"
  --licence "ryans-mammoth=public-domain tunes (Ryan's Mammoth Collection, 1883)"
  --licence "airds-airs=public-domain tunes (Aird's Selection of Scotch, English, Irish and Foreign Airs, 1778-1803); encodings by Jack Campin, distributed with the music21 corpus by permission (non-commercial restrictions may apply)"
  --licence "misc-folk=public-domain tunes (American fife tunes, Northumbrian minstrelsy); encodings distributed with the music21 corpus"
  --licence "jsb-chorales=see the JSB chorales dataset README"
)
