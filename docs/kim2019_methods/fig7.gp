if (!exists("outfile")) outfile = "fig7.png"
set terminal pngcairo noenhanced size 900,500 font "sans,11"
set output outfile
set grid
set key outside right
set title "Fig. 7: LIF accuracy by activation (Go-NoGo)"
set xlabel ""
set ylabel "LIF accuracy at the chosen factor (search, %)"
set xtics ("sigmoid" 1.000000, "softplus" 2.000000, "clipped ReLU" 3.000000)
set xrange [0.500000:3.500000]
set yrange [0.000000:102.000000]
plot "fig7.dat" index 0 using 1:2 with points pt 7 ps 1.2 lc rgb "#1f77b4" title "one network", \
     "fig7.dat" index 1 using 1:2 with points pt 5 ps 2.5 lc rgb "#d62728" title "mean", \
     "fig7.dat" index 2 using 1:2 with lines dt 2 lc rgb "#7f7f7f" title "95 % (success)"
