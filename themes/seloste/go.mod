module github.com/seloste/seloste/themes/seloste

go 1.26
